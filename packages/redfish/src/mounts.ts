/**
 * Other handlers served on the Redfish listener under a path prefix (the web console), with the Redfish
 * accounts, sessions and image cache handed to them as components, so they re-implement none of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Role, roleHas } from './accounts.js';
import { authenticate } from './auth.js';
import type { RedfishDeps } from './deps.js';
import type { RedfishRequest } from './http-request.js';
import type { ImageCache } from './media-insert.js';

export interface RedfishUser {
  userName: string;
  role: Role;
  /** The role holds ConfigureComponents: it may power, boot, insert media, stage BIOS settings. */
  canAct: boolean;
}

export interface RedfishAuth {
  /**
   * Who is calling, by HTTP Basic or a session token (the `X-Auth-Token` header, or `token` when the caller
   * carries it elsewhere, e.g. in a cookie); undefined when neither is valid.
   */
  authenticate(req: IncomingMessage, token?: string): RedfishUser | undefined;
  /** A Redfish session for the credentials (listed in SessionService like any other), or undefined. */
  login(userName: string, password: string): { token: string; user: RedfishUser } | undefined;
  /** Ends the session of that token (no-op when unknown). */
  logout(token: string): void;
}

export interface RedfishMountServices {
  auth: RedfishAuth;
  /** The virtual-media image cache InsertMedia uses, when configured. */
  cache: ImageCache | undefined;
  tls: boolean;
  /** The bound port (known once the listener is up). */
  port(): number;
}

/** What a mount serves: requests under its prefix, WebSocket upgrades under it, and a stop hook. */
export interface PrefixHandler {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close?(): void | Promise<void>;
}

export interface RedfishMount {
  /** e.g. "/console/": requests whose path starts with it (or equals it without the slash) go to the mount. */
  prefix: string;
  attach(services: RedfishMountServices): PrefixHandler;
}

function userOf(account: { userName: string; role: Role }): RedfishUser {
  return { userName: account.userName, role: account.role, canAct: roleHas(account.role, 'ConfigureComponents') };
}

export function mountServices(deps: RedfishDeps): RedfishMountServices {
  const auth: RedfishAuth = {
    authenticate(req, token) {
      const headers = token && !req.headers['x-auth-token'] ? { ...req.headers, 'x-auth-token': token } : req.headers;
      try {
        // the store's accounts only: the console does not limit a per-node account to its own nodes
        return userOf(
          authenticate({ headers } as RedfishRequest, { accounts: deps.accounts, sessions: deps.sessions }).account,
        );
      } catch {
        return undefined;
      }
    },
    login(userName, password) {
      const a = deps.accounts.verify(userName, password);
      if (!a) return undefined;
      return { token: deps.sessions.create(a.id, a.userName).token, user: userOf(a) };
    },
    logout(token) {
      const s = deps.sessions.touch(token);
      if (s) deps.sessions.remove(s.id);
    },
  };
  return { auth, cache: deps.cache, tls: deps.tls, port: () => deps.port };
}

/** The mount that serves `path`, if any. */
export function mountFor<T extends { prefix: string }>(mounts: readonly T[], url: string | undefined): T | undefined {
  const path = (url ?? '/').split('?', 1)[0]!;
  return mounts.find((m) => path.startsWith(m.prefix) || path === m.prefix.replace(/\/$/, ''));
}
