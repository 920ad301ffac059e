import { createHash } from 'node:crypto';
import {
  acquireTelemetry,
  type Config,
  type Logger,
  type Node,
  type NodeDriver,
  silentLogger,
  type Telemetry,
} from '@bmc-emu/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccountStore, type Privilege, roleHas } from './accounts.js';
import { authenticate } from './auth.js';
import { readJsonBody } from './body.js';
import { ChassisStore } from './chassis-store.js';
import { computeEtag, ifMatchPasses, ifNoneMatchHits, serializeWithEtag } from './codec/etag.js';
import { decodePatch } from './codec/patch.js';
import { compilePattern, matchPattern, normalizePath } from './codec/path-pattern.js';
import { applySelect, parseQuery, type QueryOptions } from './codec/query.js';
import { metadataXml } from './codec/service.js';
import type { RedfishDeps } from './deps.js';
import { EventHub } from './events.js';
import { httpError, RedfishHttpError, toRedfishError } from './http-error.js';
import { prepareRequest, type RedfishRequest, type RedfishResponse } from './http-request.js';
import { type ImageCache, MediaInserter } from './media-insert.js';
import { allowedMethods, type Ctx, type Json, type Principal, type Reply, type Route } from './route.js';
import { chassisSensorRoutes } from './routes/chassis-sensors.js';
import { managerLogRoutes } from './routes/manager-logs.js';
import { managerRoutes } from './routes/managers.js';
import { serviceRoutes } from './routes/services.js';
import { systemRoutes } from './routes/systems.js';
import { SessionStore } from './sessions.js';
import { TaskStore } from './tasks.js';

export interface RedfishAppOptions {
  driver: NodeDriver;
  config: Readonly<Config>;
  logger?: Logger;
  /** The virtual-media image cache (MediaCache of @bmc-emu/boot-http). */
  cache?: ImageCache;
  /** InsertMedia answers 202 + task monitor when the download takes longer than this (ms). Default 5000. */
  insertWaitMs?: number;
  /** A power action answers 202 + task when the driver takes longer than this (ms). Default 2000. */
  powerWaitMs?: number;
  /** Port shown in Managers/<id>/NetworkProtocol. */
  port?: number;
  /** Keep accounts (password hashes) in this file across restarts (RedfishServer: <stateDir>/redfish/accounts.json). */
  accountsFile?: string;
  /** Keep the chassis LEDs in this file across restarts. */
  chassisFile?: string;
  /** Sensors and SEL shared with IPMI; unset = the driver's shared in-memory one (released by shutdown). */
  telemetry?: Telemetry;
}

/** A node `request` listener (give it to http(s).createServer or supertest) with the service's state beside it. */
export type RedfishApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  redfish: RedfishDeps;
  shutdown(): void;
};

const NODE_SCOPED = /^\/redfish\/v1\/(Systems|Managers|Chassis)\/\{id\}/;

function defaultPrivilege(p: Privilege | ((c: Ctx) => Privilege) | undefined, c: Ctx, fallback: Privilege): Privilege {
  if (p === undefined) return fallback;
  return typeof p === 'function' ? p(c) : p;
}

export function createRedfishApp(opts: RedfishAppOptions): RedfishApp {
  const { driver, config } = opts;
  const logger = opts.logger ?? silentLogger();
  const port = opts.port ?? config.redfish.port;
  const events = new EventHub(logger);
  const tasks = new TaskStore();
  const held = opts.telemetry ? undefined : acquireTelemetry({ driver, logger });
  const telemetry = opts.telemetry ?? held!.telemetry;
  const deps: RedfishDeps = {
    driver,
    logger,
    accounts: new AccountStore({ userName: config.user, password: config.password }, opts.accountsFile),
    sessions: new SessionStore(config.redfish.sessionTimeoutSec * 1000),
    tasks,
    events,
    media: new MediaInserter(driver, opts.cache, tasks, opts.insertWaitMs ?? 5000),
    cache: opts.cache,
    chassis: new ChassisStore(opts.chassisFile),
    serviceUuid: uuidOf(`bmc-emu-redfish:${config.stateDir}:${port}`),
    firmwareVersion: '0.1.0',
    port,
    tls: config.redfish.tls,
    powerWaitMs: opts.powerWaitMs ?? 2000,
    telemetry,
    bind: config.bind,
  };
  const unwatch = driver.watch((e) => events.publish(e));
  const unwatchSel = telemetry.sel.onEntry((nodeId, entry) => events.publishLogEntry(nodeId, entry));
  const routes: Route[] = [
    ...serviceRoutes(deps),
    ...systemRoutes(deps),
    ...managerRoutes(deps),
    ...chassisSensorRoutes(deps),
    ...managerLogRoutes(deps),
  ].map((r) => ({
    ...r,
    pattern: compilePattern(r.path),
  }));

  const find = (path: string): { route: Route; params: Record<string, string> } | undefined => {
    for (const route of routes) {
      const params = matchPattern(route.pattern, path);
      if (params) return { route, params };
    }
    return undefined;
  };

  const makeCtx = (
    req: RedfishRequest,
    res: RedfishResponse,
    params: Record<string, string>,
    principal: Principal | undefined,
  ): Ctx => {
    let node: Promise<Node> | undefined;
    return {
      params,
      principal,
      req,
      res,
      node: () => {
        node ??= driver.get(params.id ?? '');
        return node;
      },
    };
  };

  /** GET of another resource, for $expand and `only`. */
  const resolveMember = async (path: string, c: Ctx): Promise<Json | undefined> => {
    const hit = find(path);
    if (!hit?.route.get) return undefined;
    try {
      const json = await hit.route.get(makeCtx(c.req, c.res, hit.params, c.principal));
      if (json) json['@odata.etag'] = computeEtag(json);
      return json;
    } catch {
      return undefined;
    }
  };

  const getResource = async (route: Route, c: Ctx, q: QueryOptions): Promise<Json | undefined> => {
    let json = await route.get!(c);
    if (!json) return undefined;
    const members = json.Members as Array<{ '@odata.id': string }> | undefined;
    if (Array.isArray(members)) {
      if (q.only && members.length === 1) {
        const one = await resolveMember(members[0]!['@odata.id'], c);
        if (one) json = one;
      } else if (q.expand) {
        json = {
          ...json,
          Members: await Promise.all(members.map(async (m) => (await resolveMember(m['@odata.id'], c)) ?? m)),
        };
      }
    }
    return q.select ? applySelect(json, q.select) : json;
  };

  // node's http server itself leaves the body out of a HEAD answer and sets Content-Length for a one-shot end()
  // (of a GET; the GET resource path below sets it itself so that HEAD carries it too)
  const send = (res: RedfishResponse, reply: Reply): void => {
    res.statusCode = reply.status;
    if (reply.headers) for (const k in reply.headers) res.setHeader(k, reply.headers[k]!);
    if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
      res.end();
      return;
    }
    if (typeof reply.body === 'string') {
      if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(reply.body);
      return;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(reply.body));
  };

  /** DSP0266: a POST to `<collection>/Members` is the same request as a POST to the collection. */
  const membersAlias = (path: string): { route: Route; params: Record<string, string> } | undefined => {
    if (!path.endsWith('/Members')) return undefined;
    const parent = find(path.slice(0, -'/Members'.length));
    return parent?.route.post ? parent : undefined;
  };

  const dispatch = async (req: RedfishRequest, res: RedfishResponse): Promise<void> => {
    const rawPath = req.path;
    if (/%2f|%5c|\\|\/\.\.?(\/|$)/i.test(rawPath) || rawPath.includes('\0')) {
      throw httpError(404, 'ResourceMissingAtURI', [rawPath.slice(0, 200)]);
    }
    const path = normalizePath(rawPath);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (path === '/redfish/v1/$metadata') {
      checkODataVersion(req);
      if (method !== 'GET')
        throw new RedfishHttpError(405, httpError(405, 'OperationNotAllowed').infos, undefined, { Allow: 'GET, HEAD' });
      send(res, { status: 200, body: metadataXml(), headers: { 'Content-Type': 'application/xml; charset=utf-8' } });
      return;
    }
    const hit = (method === 'POST' && membersAlias(path)) || find(path);
    if (!hit) throw httpError(404, 'ResourceMissingAtURI', [path.slice(0, 200)]);
    const { route, params } = hit;
    const allow = allowedMethods(route);
    res.setHeader('Allow', allow.join(', '));
    if (!allow.includes(method)) {
      throw new RedfishHttpError(405, httpError(405, 'OperationNotAllowed').infos, undefined, {
        Allow: allow.join(', '),
      });
    }
    const open = (method === 'GET' && route.open) || (method === 'POST' && route.post?.open);
    const principal = open ? undefined : authenticate(req, deps.accounts, deps.sessions);
    const c = makeCtx(req, res, params, principal);
    const need =
      method === 'GET'
        ? (route.getPrivilege ?? 'Login')
        : method === 'PATCH'
          ? defaultPrivilege(route.patch?.privilege, c, 'ConfigureComponents')
          : method === 'POST'
            ? (route.post?.privilege ?? 'ConfigureComponents')
            : defaultPrivilege(route.delete?.privilege, c, 'ConfigureComponents');
    if (principal && !roleHas(principal.account.role, need)) {
      throw httpError(403, 'InsufficientPrivilege', [], `Role ${principal.account.role} lacks the ${need} privilege.`);
    }
    checkODataVersion(req);
    if (params.id !== undefined && NODE_SCOPED.test(route.path)) {
      const node = await c.node();
      if (node.id !== params.id && method === 'GET') {
        const target = rawPath.replace(/^(\/redfish\/v1\/\w+\/)[^/]+/, `$1${node.id}`);
        const qs = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
        send(res, { status: 301, headers: { Location: target + qs } });
        return;
      }
      params.id = node.id;
    }
    switch (method) {
      case 'GET': {
        if (route.raw) {
          const r = await route.raw(c);
          if (!r) throw httpError(404, 'ResourceMissingAtURI', [path]);
          if (r.status >= 0) send(res, r);
          return;
        }
        const q = parseQuery(req.query);
        if (!q.ok) throw new RedfishHttpError(q.status, [q.error]);
        const json = await getResource(route, c, q.value);
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
        return;
      }
      case 'PATCH': {
        const patch = route.patch!;
        const current = route.get ? await route.get(c) : undefined;
        if (!current) throw httpError(404, 'ResourceMissingAtURI', [path]);
        const etag = computeEtag(current);
        if (!ifMatchPasses(req.headers['if-match'] as string | undefined, etag)) {
          throw new RedfishHttpError(412, httpError(412, 'PreconditionFailed').infos, undefined, { ETag: etag });
        }
        if (ifNoneMatchHits(req.headers['if-none-match'] as string | undefined, etag)) {
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
        const fresh = makeCtx(req, res, params, principal);
        const after = await route.get!(fresh);
        if (!after) {
          send(res, { status: 204 });
          return;
        }
        const tag = computeEtag(after);
        after['@odata.etag'] = tag;
        send(res, { status: 200, body: after, headers: { ETag: tag } });
        return;
      }
      case 'POST': {
        const body = await readJsonBody(req);
        send(res, await route.post!.handler(c, body ?? {}));
        return;
      }
      case 'DELETE':
        send(res, await route.delete!.handler(c));
        return;
    }
  };

  const handle = async (incoming: IncomingMessage, res: RedfishResponse): Promise<void> => {
    const req = prepareRequest(incoming);
    const started = performance.now();
    res.setHeader('OData-Version', '4.0');
    res.setHeader('Cache-Control', 'no-cache');
    try {
      await dispatch(req, res);
    } catch (err) {
      const e = toRedfishError(err);
      if (e.status >= 500)
        logger.warn({ method: req.method, path: req.path, err: (err as Error)?.message }, 'redfish request failed');
      if (e.status === 401) e.headers['WWW-Authenticate'] = 'Basic realm="bmc-emu"';
      if (!res.headersSent) send(res, { status: e.status, body: e.body, headers: e.headers });
      else res.end();
    }
    if (logger.isLevelEnabled('debug'))
      logger.debug(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'redfish',
      );
  };
  // the last guard (what a framework's final handler did): nothing a request does may become an unhandled rejection
  const app = ((req: IncomingMessage, res: ServerResponse) =>
    void handle(req, res).catch((err: unknown) => {
      try {
        logger.error({ method: req.method, url: req.url, err: (err as Error)?.message }, 'redfish request crashed');
      } catch {
        // a logger that throws must not take the service down either
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = toRedfishError(err);
      res.statusCode = e.status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(e.body));
    })) as RedfishApp;
  app.redfish = deps;
  app.shutdown = () => {
    unwatch();
    unwatchSel();
    void held?.release();
    events.closeStreams();
  };
  return app;
}

/** DSP0266 8.2 (response headers): we speak OData 4.0 only; any other requested version is 412. */
function checkODataVersion(req: RedfishRequest): void {
  const raw = req.headers['odata-version'];
  if (raw === undefined) return;
  const v = Array.isArray(raw) ? raw.join(',') : raw;
  if (v.trim() === '4.0') return;
  throw httpError(412, 'HeaderInvalid', [`OData-Version: ${v.slice(0, 32)}`], 'Only OData-Version 4.0 is supported.');
}

/**
 * The `Link: <schema>; rel=describedby` header of a GET/HEAD (DSP0266 8.2): the DMTF-published JSON schema of
 * the resource's @odata.type, versioned like the type (`#ServiceRoot.v1_15_0.ServiceRoot` -> ServiceRoot.v1_15_0.json,
 * a collection -> its unversioned schema).
 */
export function describedByLink(odataType: unknown): string | undefined {
  if (typeof odataType !== 'string') return undefined;
  const m = /^#([A-Za-z][A-Za-z0-9]*)(?:\.(v\d+_\d+_\d+))?\.[A-Za-z][A-Za-z0-9]*$/.exec(odataType);
  if (!m) return undefined;
  const file = m[2] ? `${m[1]}.${m[2]}.json` : `${m[1]}.json`;
  return `<https://redfish.dmtf.org/schemas/v1/${file}>; rel=describedby`;
}

function uuidOf(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
