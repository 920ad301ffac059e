/**
 * The console on a real Redfish listener (plain HTTP here; TLS is the browser test's): auth by the Redfish
 * accounts, roles, bad input, the event stream and the serial WebSocket.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import {
  demoNodes,
  sharedSettings,
  EventBus,
  fetchPublished,
  MemoryDriver,
  type RackEvent,
  silentLogger,
} from '@bmc-emu/core';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { consoleMount } from '../src/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

let base = '';
function call(
  path: string,
  opts: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: opts.method ?? (payload !== undefined ? 'POST' : 'GET'),
        headers: { ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const ADMIN = basic('admin', 'password');
const VIEWER = basic('viewer', 'viewer-pass');

describe('console API on the Redfish listener', () => {
  let dir: string;
  let driver: MemoryDriver;
  let bus: EventBus;
  let server: RedfishServer;
  let ids: string[];
  let images: Server;
  let imageBase: string;
  let cache: MediaCache;
  const ISO = Buffer.alloc(3 * 1024 * 1024, 0x20);
  ISO.write('CD001', 32769, 'latin1');

  beforeAll(async () => {
    // an ISO sent in 64 KiB pieces (so the download makes progress), a non-ISO, and 404 for the rest
    images = createServer((req, res) => {
      if (req.url === '/raw.img')
        return void res.writeHead(200, { 'Content-Length': 70_000 }).end(Buffer.alloc(70_000));
      if (!req.url?.startsWith('/boot.iso')) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': ISO.length });
      let off = 0;
      const tick = setInterval(() => {
        if (res.destroyed || off >= ISO.length) {
          clearInterval(tick);
          res.end();
          return;
        }
        res.write(ISO.subarray(off, (off += 64 * 1024)));
      }, 5);
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-console-api-'));
    driver = new MemoryDriver({ nodes: demoNodes(3) });
    bus = new EventBus();
    server = new RedfishServer({
      driver,
      settings: redfishSection.parse({ tls: false, port: 0 }),
      shared: sharedSettings({ stateDir: dir }),
      logger: silentLogger(),
      port: 0,
      host: '127.0.0.1',
      cache: (cache = new MediaCache({ dir: join(dir, 'media'), maxBytes: 64 * 1024 ** 2 })),
      mounts: [consoleMount({ driver, bus, logger: silentLogger(), host: '127.0.0.1' })],
    });
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
    const made = await call('/redfish/v1/AccountService/Accounts', {
      body: { UserName: 'viewer', Password: 'viewer-pass', RoleId: 'ReadOnly' },
      headers: ADMIN,
    });
    expect(made.status).toBe(201);
    ids = (await driver.list()).map((n) => n.id);
  });

  afterAll(async () => {
    images.close();
    await server.stop();
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for a login, and says who is logged in without an error status', async () => {
    expect((await call('/console/api/nodes')).status).toBe(401);
    expect(await call('/console/api/me')).toMatchObject({ status: 200, json: { user: null } });
    expect(await call('/console/api/me', { headers: ADMIN })).toMatchObject({
      json: { user: { userName: 'admin', role: 'Administrator', canAct: true } },
    });
  });

  it('logs in with a Redfish account: a Redfish session behind an HttpOnly cookie, ended by logout', async () => {
    expect((await call('/console/api/login', { body: { userName: 'admin', password: 'wrong' } })).status).toBe(401);
    const ok = await call('/console/api/login', { body: { userName: 'viewer', password: 'viewer-pass' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ user: { userName: 'viewer', role: 'ReadOnly', canAct: false } });
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^bmcemu_console=[0-9a-f]{64}; Path=\/console; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';', 1)[0]!;
    const sessions = await call('/redfish/v1/SessionService/Sessions?$expand=.', { headers: ADMIN });
    expect(JSON.stringify(sessions.json)).toContain('"UserName":"viewer"');
    const nodes = await call('/console/api/nodes', { headers: { Cookie: cookie } });
    expect(nodes.status).toBe(200);
    expect((nodes.json as { nodes: unknown[] }).nodes).toHaveLength(3);
    expect((await call('/console/api/logout', { body: {}, headers: { Cookie: cookie } })).status).toBe(200);
    expect((await call('/console/api/nodes', { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('lists nodes with their Redfish address, and acts through the driver', async () => {
    const list = (await call('/console/api/nodes', { headers: ADMIN })).json as {
      nodes: Array<{ id: string; name: string; endpoints: { redfish: string } }>;
    };
    expect(list.nodes.map((n) => n.name)).toEqual(['node-0', 'node-1', 'node-2']);
    expect(list.nodes[0]!.endpoints.redfish).toBe(
      `redfish+http://127.0.0.1:${server.port}/redfish/v1/Systems/${ids[0]}`,
    );
    const boot = await call(`/console/api/nodes/${ids[0]}/boot`, {
      body: { target: 'Pxe', enabled: 'Continuous' },
      headers: ADMIN,
    });
    expect(boot.status).toBe(200);
    expect((await driver.get(ids[0]!)).boot).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    const bios = await call(`/console/api/nodes/node-0/bios`, {
      body: { attributes: { ProcTurboMode: 'Disabled' } },
      headers: ADMIN,
    });
    expect(bios.status).toBe(200);
    expect((await driver.getBios(ids[0]!)).pending).toEqual({ ProcTurboMode: 'Disabled' });
    const on = await call(`/console/api/nodes/${ids[2]}/power`, { body: { action: 'On' }, headers: ADMIN });
    expect(on.status).toBe(200);
    expect(['PoweringOn', 'On']).toContain((await driver.get(ids[2]!)).powerState);
  });

  it('refuses every action of a ReadOnly user with 403 and changes nothing', async () => {
    const before = await driver.get(ids[1]!);
    for (const [what, body] of [
      ['power', { action: 'On' }],
      ['boot', { target: 'Pxe', enabled: 'Once' }],
      ['media', { slot: 'Cd', image: 'http://127.0.0.1:1/x.iso' }],
      ['eject', { slot: 'Cd' }],
      ['bios', { attributes: { L2Cache: 'x' } }],
    ] as const) {
      const r = await call(`/console/api/nodes/${ids[1]}/${what}`, { body, headers: VIEWER });
      expect(r.status, what).toBe(403);
      expect(r.json).toMatchObject({ error: { code: 'InsufficientPrivilege' } });
    }
    expect(await driver.get(ids[1]!)).toEqual(before);
    expect((await call(`/console/api/nodes/${ids[1]}`, { headers: VIEWER })).status).toBe(200);
  });

  it('answers bad input with the right error and keeps serving', async () => {
    const id = ids[0]!;
    expect(
      (
        await call(`/console/api/nodes/${id}/power`, {
          raw: '{"action":"On"}',
          headers: { ...ADMIN, 'Content-Type': 'text/plain' },
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await call(`/console/api/nodes/${id}/power`, {
          raw: '{nope',
          headers: { ...ADMIN, 'Content-Type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect((await call(`/console/api/nodes/${id}/power`, { body: { action: 'Explode' }, headers: ADMIN })).status).toBe(
      400,
    );
    expect(
      (
        await call(`/console/api/nodes/${id}/media`, {
          body: { slot: 'Cd', image: 'file:///etc/passwd' },
          headers: ADMIN,
        })
      ).status,
    ).toBe(400);
    expect((await call(`/console/api/nodes/no-such-node`, { headers: ADMIN })).status).toBe(404);
    expect((await call(`/console/api/nodes/${id}/power`, { method: 'GET', headers: ADMIN })).status).toBe(405);
    expect(
      (
        await call(`/console/api/nodes/${id}/power`, {
          raw: 'x'.repeat(70_000),
          headers: { ...ADMIN, 'Content-Type': 'application/json' },
        })
      ).status,
    ).toBe(413);
    const cross = await call(`/console/api/nodes/${id}/power`, {
      body: { action: 'ForceOff' },
      headers: { ...ADMIN, Origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect((await call('/console/api/nothing', { headers: ADMIN })).status).toBe(404);
    expect((await call('/console/..%2fredfish/v1')).status).toBe(404);
    expect((await call('/redfish/v1')).status).toBe(200);
    expect((await call('/console/api/nodes', { headers: ADMIN })).status).toBe(200);
  });

  it('serves the app shell with a same-origin-only CSP, and redirects /console', async () => {
    const r = await call('/console');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/console/');
    const page = await call('/console/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="app">');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    const script = /src="\/console\/(assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const js = await call(`/console/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await call('/console/assets/none.js')).status).toBe(404);
  });

  it('inserts media in the background with bounded, monotonic progress events, and reports failures as events', async () => {
    const id = ids[1]!;
    const downloads = () =>
      bus.history({ node: id, kinds: ['media-download'] }) as Array<Extract<RackEvent, { kind: 'media-download' }>>;
    const waitDone = async (url: string) => {
      for (let i = 0; i < 200 && !downloads().some((e) => e.url === url && e.done); i++)
        await new Promise((r) => setTimeout(r, 25));
      return downloads().filter((e) => e.url === url);
    };
    const url = `${imageBase}/boot.iso`;
    const r = await call(`/console/api/nodes/${id}/media`, { body: { slot: 'Cd', image: url }, headers: ADMIN });
    expect(r.status).toBe(202);
    const busy = await call(`/console/api/nodes/${id}/media`, { body: { slot: 'Cd', image: url }, headers: ADMIN });
    expect(busy.status).toBe(409);
    const evs = await waitDone(url);
    expect(evs.at(-1)).toMatchObject({ done: true, bytes: ISO.length, total: ISO.length });
    expect(evs.at(-1)!.error).toBeUndefined();
    expect(evs.length).toBeGreaterThan(2);
    expect(evs.length).toBeLessThanOrEqual(102);
    const bytes = evs.map((e) => e.bytes);
    expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
    expect((await driver.get(id)).media.find((m) => m.slot === 'Cd')).toMatchObject({ inserted: true, image: url });

    const raw = `${imageBase}/raw.img`;
    expect(
      (await call(`/console/api/nodes/${id}/media`, { body: { slot: 'Cd', image: raw }, headers: ADMIN })).status,
    ).toBe(409);
    expect((await call(`/console/api/nodes/${id}/eject`, { body: { slot: 'Cd' }, headers: ADMIN })).status).toBe(200);
    expect(
      (await call(`/console/api/nodes/${id}/media`, { body: { slot: 'Cd', image: raw }, headers: ADMIN })).status,
    ).toBe(202);
    expect((await waitDone(raw)).at(-1)!.error).toMatch(/not an ISO 9660 image/);
    const gone = `${imageBase}/missing.iso`;
    expect(
      (await call(`/console/api/nodes/${id}/media`, { body: { slot: 'UsbStick', image: gone }, headers: ADMIN }))
        .status,
    ).toBe(202);
    expect((await waitDone(gone)).at(-1)).toMatchObject({ done: true, error: expect.any(String) });
    expect((await driver.get(id)).media.filter((m) => m.inserted)).toEqual([]);
  });

  it("tells a console insert's download as the same fetchPublished story as InsertMedia, done once attached", async () => {
    const id = ids[2]!;
    type Download = Extract<RackEvent, { kind: 'media-download' }>;
    const story = (b: EventBus, url: string) =>
      (b.history({ node: id, kinds: ['media-download'] }) as Download[]).filter((e) => e.url === url);
    const waitEnd = async (b: EventBus, url: string) => {
      for (let i = 0; i < 400 && !story(b, url).some((e) => e.done); i++) await new Promise((r) => setTimeout(r, 25));
      return story(b, url);
    };
    const shape = (e: Download) => ({ phase: e.phase, keys: Object.keys(e).sort().join(',') });
    const url = `${imageBase}/boot.iso?from=console`;
    const r = await call(`/console/api/nodes/${id}/media`, { body: { slot: 'Cd', image: url }, headers: ADMIN });
    expect(r.status).toBe(202);
    const fromConsole = await waitEnd(bus, url);
    // what InsertMedia publishes, for another URL of the same image through the same cache
    const other = new EventBus();
    const direct = `${imageBase}/boot.iso?from=redfish`;
    await fetchPublished(cache, other, direct, { node: id, slot: 'Cd' });
    const fromRedfish = story(other, direct);
    for (const s of [fromConsole, fromRedfish]) {
      expect(s.map((e) => e.phase)[0]).toBe('started');
      expect(s.at(-1)).toMatchObject({ phase: 'done', done: true, bytes: ISO.length, total: ISO.length, slot: 'Cd' });
      expect(s.slice(1, -1).every((e) => e.phase === 'progress')).toBe(true);
    }
    expect(shape(fromConsole[0]!)).toEqual(shape(fromRedfish[0]!));
    expect(shape(fromConsole.at(-1)!)).toEqual(shape(fromRedfish.at(-1)!));
    if (fromConsole.length > 2 && fromRedfish.length > 2)
      expect(shape(fromConsole[1]!)).toEqual(shape(fromRedfish[1]!));
    // done means attached: the node has the image when the bar says 100 %
    expect((await driver.get(id)).media.find((m) => m.slot === 'Cd')).toMatchObject({ inserted: true, image: url });
    expect((await call(`/console/api/nodes/${id}/eject`, { body: { slot: 'Cd' }, headers: ADMIN })).status).toBe(200);
    // a failure after the download (not an ISO) ends the story in `failed`, with its code
    const raw = `${imageBase}/raw.img`;
    expect(
      (await call(`/console/api/nodes/${id}/media`, { body: { slot: 'Cd', image: raw }, headers: ADMIN })).status,
    ).toBe(202);
    const failed = await waitEnd(bus, raw);
    expect(failed.map((e) => e.phase).filter((p) => p !== 'progress')).toEqual(['started', 'failed']);
    expect(failed.at(-1)).toMatchObject({ done: true, code: 'BMCEMU_MEDIA_ERROR', slot: 'Cd' });
  });

  it('streams history first, then live events and node snapshots', async () => {
    bus.publish({ kind: 'boot', node: ids[0]!, boot: { target: 'Pxe', enabled: 'Once', mode: 'UEFI' } });
    const got: string[] = [];
    const req = request(`${base}/console/api/events?node=${ids[0]}`, { headers: ADMIN });
    const frames = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            got.push(buf.slice(0, i));
            buf = buf.slice(i + 2);
            i = buf.indexOf('\n\n');
          }
          if (got.some((f) => f.includes('event: history')) && got.length === 1) {
            // only now is the subscription live: publish for another node (filtered out) and this one
            bus.publish({ kind: 'power', node: ids[1]!, state: 'On' });
            bus.publish({ kind: 'power', node: ids[0]!, state: 'On' });
          }
          if (got.some((f) => f.includes('event: node'))) resolve();
        });
      });
      req.on('error', reject);
    });
    req.end();
    await frames;
    req.destroy();
    expect(got[0]).toMatch(/event: history\ndata: \[.*"kind":"boot"/s);
    const live = got.filter((f) => f.includes('event: rack'));
    expect(live).toHaveLength(1);
    expect(live[0]).toContain(`"node":"${ids[0]}"`);
    const node = got.find((f) => f.includes('event: node'))!;
    expect(node).toContain('"name":"node-0"');
  });

  it('bridges the serial console over a WebSocket; ReadOnly watches but cannot type', async () => {
    const url = `ws://127.0.0.1:${server.port}/console/api/nodes/${ids[0]}/serial`;
    const read = (ws: WebSocket, want: string, ms = 5_000) =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        const t = setTimeout(() => reject(new Error(`no "${want}" in ${JSON.stringify(text)}`)), ms);
        ws.on('message', (d: Buffer) => {
          text += d.toString();
          if (text.includes(want)) {
            clearTimeout(t);
            resolve(text);
          }
        });
        ws.on('error', reject);
      });
    const admin = new WebSocket(url, { headers: ADMIN });
    await read(admin, 'node-0 login: ');
    const echo = read(admin, 'node-0 received: hello');
    admin.send('hello\r');
    await echo;
    admin.close();

    const viewer = new WebSocket(url, { headers: VIEWER });
    await read(viewer, 'login: ');
    const quiet = read(viewer, 'received:', 800).then(
      () => 'echoed',
      () => 'ignored',
    );
    viewer.send('typed\r');
    expect(await quiet).toBe('ignored');
    viewer.close();

    const refused = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refused({})).toBe(401);
    expect(await refused({ ...ADMIN, Origin: 'http://evil.example' })).toBe(403);
  }, 20_000);
});
