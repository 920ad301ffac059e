import { visibleNodes } from '@bmc-emu/core';
import { type Privilege, roleHas } from '../accounts.js';
import { authenticate } from '../auth.js';
import { readJsonBody } from '../body.js';
import { computeEtag, ifMatchPasses, ifNoneMatchHits, serializeWithEtag } from '../codec/etag.js';
import { decodePatch } from '../codec/patch.js';
import { normalizePath } from '../codec/path-pattern.js';
import { parseQuery } from '../codec/query.js';
import { metadataXml } from '../codec/service.js';
import type { RedfishDeps } from '../deps.js';
import { httpError, RedfishHttpError } from '../http-error.js';
import type { RedfishRequest, RedfishResponse } from '../http-request.js';
import { allowedMethods, type Ctx, type Route } from '../route.js';
import { checkODataVersion, describedByLink } from './odata.js';
import type { ResourceReader } from './resources.js';
import type { RouteTable } from './route-table.js';
import { send } from './send.js';
import { hypervisorOfChassis } from '../codec/hypervisor-chassis.js';

const NODE_SCOPED = /^\/redfish\/v1\/(Systems|Managers|Chassis)\/\{id\}/;

type Method = 'GET' | 'PATCH' | 'POST' | 'DELETE';

function defaultPrivilege(p: Privilege | ((c: Ctx) => Privilege) | undefined, c: Ctx, fallback: Privilege): Privilege {
  if (p === undefined) return fallback;
  return typeof p === 'function' ? p(c) : p;
}

function requiredPrivilege(route: Route, method: Method, c: Ctx): Privilege {
  if (method === 'GET') return route.getPrivilege ?? 'Login';
  if (method === 'PATCH') return defaultPrivilege(route.patch?.privilege, c, 'ConfigureComponents');
  if (method === 'POST') return route.post?.privilege ?? 'ConfigureComponents';
  return defaultPrivilege(route.delete?.privilege, c, 'ConfigureComponents');
}

function notAllowed(allow: string[]): RedfishHttpError {
  return new RedfishHttpError(405, httpError(405, 'OperationNotAllowed').infos, undefined, { Allow: allow.join(', ') });
}

/** One request through path checks, routing, authentication, privileges and the method's handler. */
export class Dispatcher {
  constructor(
    private readonly deps: RedfishDeps,
    private readonly table: RouteTable,
    private readonly resources: ResourceReader,
  ) {}

  async dispatch(req: RedfishRequest, res: RedfishResponse): Promise<void> {
    const rawPath = req.path;
    if (/%2f|%5c|\\|\/\.\.?(\/|$)/i.test(rawPath) || rawPath.includes('\0')) {
      throw httpError(404, 'ResourceMissingAtURI', [rawPath.slice(0, 200)]);
    }
    const path = normalizePath(rawPath);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (path === '/redfish/v1/$metadata') return this.metadata(req, res, method);
    const hit = (method === 'POST' && this.table.membersAlias(path)) || this.table.find(path);
    if (!hit) throw httpError(404, 'ResourceMissingAtURI', [path.slice(0, 200)]);
    const { route, params } = hit;
    const allow = allowedMethods(route);
    res.setHeader('Allow', allow.join(', '));
    if (!allow.includes(method)) throw notAllowed(allow);
    const m = method as Method;
    const open = (m === 'GET' && route.open) || (m === 'POST' && route.post?.open);
    const principal = open ? undefined : authenticate(req, this.deps);
    if (principal) req.user = principal.account.userName;
    const c = this.resources.ctx(req, res, params, principal);
    const need = requiredPrivilege(route, m, c);
    if (principal && !roleHas(principal.account.role, need)) {
      throw httpError(403, 'InsufficientPrivilege', [], `Role ${principal.account.role} lacks the ${need} privilege.`);
    }
    checkODataVersion(req);
    const hypervisorChassis =
      route.path === '/redfish/v1/Chassis/{id}' &&
      hypervisorOfChassis(params.id ?? '', this.deps.driver.hypervisors?.() ?? []);
    if (params.id !== undefined && NODE_SCOPED.test(route.path) && !hypervisorChassis) {
      const node = await c.node();
      // A per-node account sees only its own node: the others do not exist for it.
      const scope = visibleNodes(this.deps.directory, principal?.nodes);
      if (scope && !scope.some((n) => n === node.name || n === node.id)) {
        throw httpError(404, 'ResourceMissingAtURI', [path.slice(0, 200)]);
      }
      if (node.id !== params.id && m === 'GET') return this.redirectToId(req, res, rawPath, node.id);
      params.id = node.id;
      req.nodeId = node.id;
    }
    switch (m) {
      case 'GET':
        return this.get(route, c, path);
      case 'PATCH':
        return this.patch(route, c, path);
      case 'POST':
        send(res, await route.post!.handler(c, (await readJsonBody(req)) ?? {}));
        return;
      case 'DELETE':
        send(res, await route.delete!.handler(c));
        return;
    }
  }

  private metadata(req: RedfishRequest, res: RedfishResponse, method: string): void {
    checkODataVersion(req);
    if (method !== 'GET') throw notAllowed(['GET', 'HEAD']);
    send(res, { status: 200, body: metadataXml(), headers: { 'Content-Type': 'application/xml; charset=utf-8' } });
  }

  /** A node named by name (or another alias) is answered with a redirect to its UUID URL. */
  private redirectToId(req: RedfishRequest, res: RedfishResponse, rawPath: string, id: string): void {
    const target = rawPath.replace(/^(\/redfish\/v1\/\w+\/)[^/]+/, `$1${id}`);
    const qs = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    send(res, { status: 301, headers: { Location: target + qs } });
  }

  private async get(route: Route, c: Ctx, path: string): Promise<void> {
    const { req, res } = c;
    if (route.raw) {
      const r = await route.raw(c);
      if (!r) throw httpError(404, 'ResourceMissingAtURI', [path]);
      if (r.status >= 0) send(res, r);
      return;
    }
    const q = parseQuery(req.query);
    if (!q.ok) throw new RedfishHttpError(q.status, [q.error]);
    const json = await this.resources.get(route, c, q.value);
    if (!json) throw httpError(404, 'ResourceMissingAtURI', [path]);
    const { etag, text } = serializeWithEtag(json);
    res.setHeader('ETag', etag);
    if (ifNoneMatchHits(req.headers['if-none-match'] as string | undefined, etag)) {
      send(res, { status: 304 });
      return;
    }
    const link = describedByLink(json['@odata.type']);
    if (link) res.setHeader('Link', link);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(text)); // a HEAD answer too says what GET would send
    res.end(text);
  }

  private async patch(route: Route, c: Ctx, path: string): Promise<void> {
    const { req, res } = c;
    const patch = route.patch!;
    const current = route.get ? await route.get(c) : undefined;
    if (!current) throw httpError(404, 'ResourceMissingAtURI', [path]);
    const etag = computeEtag(current);
    if (
      !ifMatchPasses(req.headers['if-match'] as string | undefined, etag) ||
      ifNoneMatchHits(req.headers['if-none-match'] as string | undefined, etag)
    ) {
      throw new RedfishHttpError(412, httpError(412, 'PreconditionFailed').infos, undefined, { ETag: etag });
    }
    const body = await readJsonBody(req);
    const decoded = decodePatch(patch.spec(c, current), body, current);
    if (!decoded.ok) throw new RedfishHttpError(400, decoded.errors);
    const reply = await patch.apply(c, decoded.value);
    if (reply) {
      send(res, reply);
      return;
    }
    const after = await route.get!(this.resources.ctx(req, res, c.params, c.principal));
    if (!after) {
      send(res, { status: 204 });
      return;
    }
    const tag = computeEtag(after);
    after['@odata.etag'] = tag;
    send(res, { status: 200, body: after, headers: { ETag: tag } });
  }
}
