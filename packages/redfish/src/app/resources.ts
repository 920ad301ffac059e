import { type BmcDirectory, type Node, type NodeDriver, visibleNodes } from '@bmc-emu/core';
import { computeEtag } from '../codec/etag.js';
import { applySelect, type QueryOptions } from '../codec/query.js';
import type { RedfishRequest, RedfishResponse } from '../http-request.js';
import type { Ctx, Json, Principal, Route } from '../route.js';
import type { RouteTable } from './route-table.js';

/** Builds handler contexts and reads resources, with $expand, `only` and $select applied. */
export class ResourceReader {
  constructor(
    private readonly driver: NodeDriver,
    private readonly table: RouteTable,
    private readonly directory?: BmcDirectory,
  ) {}

  ctx(
    req: RedfishRequest,
    res: RedfishResponse,
    params: Record<string, string>,
    principal: Principal | undefined,
  ): Ctx {
    let node: Promise<Node> | undefined;
    return {
      params,
      principal,
      req,
      res,
      node: () => {
        node ??= this.driver.get(params.id ?? '');
        return node;
      },
    };
  }

  /** The GET answer of `route` after the query options. */
  async get(route: Route, c: Ctx, q: QueryOptions): Promise<Json | undefined> {
    let json = await route.get!(c);
    if (!json) return undefined;
    json = await this.visibleTo(visibleNodes(this.directory, c.principal?.nodes), json);
    const members = json.Members as Array<{ '@odata.id': string }> | undefined;
    if (Array.isArray(members)) {
      if (q.only && members.length === 1) {
        const one = await this.member(members[0]!['@odata.id'], c);
        if (one) json = one;
      } else if (q.expand) {
        json = {
          ...json,
          Members: await Promise.all(members.map(async (m) => (await this.member(m['@odata.id'], c)) ?? m)),
        };
      }
    }
    return q.select ? applySelect(json, q.select) : json;
  }

  /** A per-node account's collections list its own systems, managers and chassis only. */
  private async visibleTo(scope: string[] | undefined, json: Json): Promise<Json> {
    const members = json.Members as Array<{ '@odata.id': string }> | undefined;
    if (!scope || !Array.isArray(members)) return json;
    const nodes = await this.driver.list();
    const ids = new Set(nodes.filter((n) => scope.includes(n.name) || scope.includes(n.id)).map((n) => n.id));
    const kept = members.filter((m) => {
      const hit = /^\/redfish\/v1\/(?:Systems|Managers|Chassis)\/([^/]+)$/.exec(m['@odata.id']);
      return !hit || ids.has(hit[1]!);
    });
    return { ...json, Members: kept, 'Members@odata.count': kept.length };
  }

  /** GET of another resource, for $expand and `only`. */
  private async member(path: string, c: Ctx): Promise<Json | undefined> {
    const hit = this.table.find(path);
    if (!hit?.route.get) return undefined;
    try {
      const json = await hit.route.get(this.ctx(c.req, c.res, hit.params, c.principal));
      if (json) json['@odata.etag'] = computeEtag(json);
      return json;
    } catch {
      return undefined;
    }
  }
}
