import type { Node } from '@bmc-emu/core';
import type { RedfishRequest, RedfishResponse } from './http-request.js';
import type { Account, Privilege } from './accounts.js';
import type { PatchSpec } from './codec/patch.js';
import type { PathPattern } from './codec/path-pattern.js';
import type { Session } from './sessions.js';

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Principal {
  account: Account;
  session?: Session;
  /** A registered BMC's own account: the nodes (names or ids) it is limited to. */
  nodes?: string[];
}

export interface Ctx {
  params: Record<string, string>;
  principal: Principal | undefined;
  req: RedfishRequest;
  res: RedfishResponse;
  /** The node named by {id} (resolved once per request). */
  node(): Promise<Node>;
}

export interface RouteDef {
  path: string;
  /** GET answers without credentials. */
  open?: boolean;
  /** Returns the resource, or undefined for 404. */
  get?: (c: Ctx) => Promise<Json | undefined>;
  /** A GET that decides its own status (task monitors, SSE). */
  raw?: (c: Ctx) => Promise<Reply | undefined>;
  getPrivilege?: Privilege;
  patch?: {
    spec: (c: Ctx, current: Json) => PatchSpec;
    apply: (c: Ctx, value: Json) => Promise<Reply | undefined>;
    privilege?: Privilege | ((c: Ctx) => Privilege);
  };
  post?: {
    handler: (c: Ctx, body: unknown) => Promise<Reply>;
    privilege?: Privilege;
    open?: boolean;
  };
  delete?: {
    handler: (c: Ctx) => Promise<Reply>;
    privilege?: Privilege | ((c: Ctx) => Privilege);
  };
}

export interface Route extends RouteDef {
  pattern: PathPattern;
}

export function allowedMethods(r: RouteDef): string[] {
  const m: string[] = [];
  if (r.get || r.raw) m.push('GET', 'HEAD');
  if (r.patch) m.push('PATCH');
  if (r.post) m.push('POST');
  if (r.delete) m.push('DELETE');
  return m;
}
