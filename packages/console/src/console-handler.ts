/**
 * The web console: one handler for everything under /console/ on the Redfish listener. Static app shell,
 * a JSON API over the one NodeDriver, a live event stream and the serial console. Who may do what is the
 * Redfish accounts' and roles' say (RedfishAuth): every role reads, only ConfigureComponents acts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Actor, EventBus, Logger, Node, NodeDriver } from '@bmc-emu/core';
import type { LabRecord } from '@bmc-emu/manage';
import type { ImageCache, PrefixHandler, RedfishAuth, RedfishUser } from '@bmc-emu/redfish';
import { decodeBios, decodeBoot, decodeLogin, decodeMediaInsert, decodePower, decodeSlot } from './codec/actions.js';
import { sessionCookie, sessionToken } from './codec/cookies.js';
import { EventStreams } from './event-stream.js';
import { ConsoleHttpError, readJson, sameOrigin, sendError, sendJson } from './http-util.js';
import { LeaseBook } from './leases.js';
import { ConsoleMediaInserter } from './media-insert.js';
import { type EndpointsOf, nodeView, type NodeView } from './node-view.js';
import { SerialBridge } from './serial.js';
import { StaticAssets } from './static-assets.js';

export const CONSOLE_PREFIX = '/console/';

export interface ConsoleHandlerOptions {
  driver: NodeDriver;
  bus: EventBus;
  auth: RedfishAuth;
  logger: Logger;
  cache?: ImageCache | undefined;
  /** The page is served over TLS (the session cookie is then Secure). */
  tls: boolean;
  /** The Redfish listener's address as clients should use it (host, and port once bound). */
  host: string;
  port(): number;
  /** A node's IPMI endpoint, e.g. ipmi://127.0.0.1:6230 (`index` is its place in `driver.list()`). */
  ipmiEndpoint?: (node: Node, index: number) => string | undefined;
  /** Where the built browser bundle is (default: the package's web-dist/). */
  assetsDir?: string;
  /** The labs `lab up|down` told serve about (the Lab page); none: the page says so. */
  labs?: LabsSource;
}

/** What the Lab page reads: serve's LabBook. */
export interface LabsSource {
  list(): Promise<LabRecord[]>;
}

const NODE_ROUTE = /^api\/nodes\/([^/]+)(?:\/(power|boot|media|eject|bios|serial))?$/;

function forbidden(user: RedfishUser): ConsoleHttpError {
  return new ConsoleHttpError(
    403,
    'InsufficientPrivilege',
    `Role ${user.role} lacks the ConfigureComponents privilege: it may look but not act.`,
  );
}

export function createConsoleHandler(opts: ConsoleHandlerOptions): PrefixHandler {
  const { driver, bus, auth, logger } = opts;
  const assets = new StaticAssets(opts.assetsDir);
  const leases = new LeaseBook(bus);
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const endpoints: EndpointsOf = (n, i) => {
    const ipmi = opts.ipmiEndpoint?.(n, i);
    return {
      ...(ipmi ? { ipmi } : {}),
      redfish: `redfish+${opts.tls ? 'https' : 'http'}://${hostPart}:${opts.port()}/redfish/v1/Systems/${n.id}`,
    };
  };
  const media = new ConsoleMediaInserter(driver, bus, opts.cache);
  const serial = new SerialBridge(driver, logger);
  const order = new Map<string, number>();

  const listViews = async (): Promise<NodeView[]> => {
    const nodes = await driver.list();
    order.clear();
    nodes.forEach((n, i) => order.set(n.id, i));
    return nodes.map((n, i) => nodeView(n, i, leases, endpoints));
  };
  const viewOf = (n: Node): NodeView => nodeView(n, order.get(n.id) ?? order.size, leases, endpoints);
  const view = async (id: string): Promise<NodeView | undefined> => {
    if (!order.has(id)) await listViews();
    return viewOf(await driver.get(id));
  };
  const streams = new EventStreams({ bus, view: (id) => view(id).catch(() => undefined) });

  const whoIs = (req: IncomingMessage): RedfishUser | undefined =>
    auth.authenticate(req, sessionToken(req.headers.cookie));
  const needUser = (req: IncomingMessage): RedfishUser => {
    const u = whoIs(req);
    if (!u) throw new ConsoleHttpError(401, 'NoValidSession', 'Log in first (a Redfish account).');
    return u;
  };
  const actor = (u: RedfishUser): Actor => ({ via: 'console', user: u.userName });

  async function act(req: IncomingMessage, res: ServerResponse, id: string, what: string): Promise<void> {
    const user = needUser(req);
    if (!user.canAct) throw forbidden(user);
    const body = await readJson(req);
    const bad = (error: string) => new ConsoleHttpError(400, 'PropertyValueNotInList', error);
    const node = await driver.get(id);
    switch (what) {
      case 'power': {
        const d = decodePower(body);
        if (!d.ok) throw bad(d.error);
        await driver.power(node.id, d.value);
        break;
      }
      case 'boot': {
        const d = decodeBoot(body);
        if (!d.ok) throw bad(d.error);
        await driver.setBootOverride(node.id, d.value);
        break;
      }
      case 'media': {
        const d = decodeMediaInsert(body);
        if (!d.ok) throw bad(d.error);
        await media.start(node.id, d.value.slot, d.value.image);
        sendJson(res, 202, { accepted: true, node: node.id, slot: d.value.slot });
        return;
      }
      case 'eject': {
        const d = decodeSlot(body);
        if (!d.ok) throw bad(d.error);
        await driver.ejectMedia(node.id, d.value);
        break;
      }
      case 'bios': {
        const d = decodeBios(body);
        if (!d.ok) throw bad(d.error);
        await driver.setBiosPending(node.id, d.value);
        break;
      }
    }
    logger.info({ node: node.name, action: what, by: actor(user) }, 'console action');
    sendJson(res, 200, viewOf(await driver.get(node.id)));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname === '/console') {
      res.writeHead(301, { Location: '/console/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const rel = url.pathname.slice(CONSOLE_PREFIX.length);
    if (!rel.startsWith('api/')) {
      if (method !== 'GET' && method !== 'HEAD') throw new ConsoleHttpError(405, 'MethodNotAllowed', 'GET only');
      if (!assets.built) {
        throw new ConsoleHttpError(503, 'ConsoleNotBuilt', 'The console bundle is not built: run `npm run build`.');
      }
      if (rel.includes('..') || !assets.serve(rel, res, method === 'HEAD')) {
        throw new ConsoleHttpError(404, 'NotFound', 'no such console page');
      }
      return;
    }
    if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req)) {
      throw new ConsoleHttpError(403, 'CrossOrigin', 'requests from another origin are refused');
    }
    if (rel === 'api/login' && method === 'POST') {
      const d = decodeLogin(await readJson(req));
      if (!d.ok) throw new ConsoleHttpError(400, 'PropertyMissing', d.error);
      const s = auth.login(d.value.userName, d.value.password);
      if (!s) throw new ConsoleHttpError(401, 'NoValidSession', 'Wrong user name or password.');
      sendJson(res, 200, { user: s.user }, { 'Set-Cookie': sessionCookie(s.token, opts.tls) });
      return;
    }
    if (rel === 'api/logout' && method === 'POST') {
      const token = sessionToken(req.headers.cookie);
      if (token) auth.logout(token);
      sendJson(res, 200, { ok: true }, { 'Set-Cookie': sessionCookie('', opts.tls, 0) });
      return;
    }
    // 200 either way: a page asking "am I logged in?" is not an error (and leaves no 401 in the browser's log)
    if (rel === 'api/me' && method === 'GET') {
      sendJson(res, 200, { user: whoIs(req) ?? null });
      return;
    }
    needUser(req);
    if (rel === 'api/nodes' && method === 'GET') {
      sendJson(res, 200, { nodes: await listViews() });
      return;
    }
    if (rel === 'api/labs') {
      // the Lab page only looks: labs change through `bmc-emu lab`, never from here
      if (method !== 'GET') throw new ConsoleHttpError(405, 'MethodNotAllowed', 'labs are read-only here');
      sendJson(res, 200, { labs: opts.labs ? await opts.labs.list() : [] });
      return;
    }
    if (rel === 'api/events' && method === 'GET') {
      streams.serve(req, res, url.searchParams);
      return;
    }
    const m = NODE_ROUTE.exec(rel);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const what = m[2];
      if (!what && method === 'GET') {
        const v = await view(id);
        sendJson(res, 200, v);
        return;
      }
      if (what && what !== 'serial' && method === 'POST') return act(req, res, id, what);
      throw new ConsoleHttpError(405, 'MethodNotAllowed', `${method} is not allowed here`);
    }
    throw new ConsoleHttpError(404, 'NotFound', 'no such console API');
  }

  return {
    request(req, res) {
      route(req, res).catch((err: unknown) => {
        if (!(err instanceof ConsoleHttpError) && !(err as { code?: string })?.code?.startsWith?.('BMCEMU_'))
          logger.warn({ url: req.url, err: (err as Error)?.message }, 'console request failed');
        sendError(res, err);
      });
    },
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const refuse = (status: number, text: string) =>
        socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const m = NODE_ROUTE.exec(path.slice(CONSOLE_PREFIX.length));
      if (!m || m[2] !== 'serial') return refuse(404, 'Not Found');
      if (!sameOrigin(req)) return refuse(403, 'Forbidden');
      const user = whoIs(req);
      if (!user) return refuse(401, 'Unauthorized');
      const id = decodeURIComponent(m[1]!);
      driver.get(id).then(
        (node) => serial.accept(req, socket, head, node.id, user.canAct),
        () => refuse(404, 'Not Found'),
      );
    },
    close() {
      streams.closeAll();
      serial.close();
      media.close();
      leases.close();
    },
  };
}
