/**
 * Redfish InsertMedia (real curl) tells its download's story on the rack event stream: `media-download`
 * started, rate-limited progress, done (or failed), each naming the node; a second node's insert of the same
 * image is a cache hit. The image server trickles the body so progress has something to report.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import {
  demoNodes,
  EventBus,
  MemoryDriver,
  type Node,
  type RackEvent,
  sharedSettings,
  silentLogger,
} from '@bmc-emu/core';
import { createRedfishApp, type RedfishApp, redfishSection } from '@bmc-emu/redfish';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('media-download events', [command('curl')]);

type Download = Extract<RackEvent, { kind: 'media-download' }>;
const CHUNK = 64 * 1024;
const CHUNKS = 24;
const CHUNK_EVERY_MS = 60;

/** An ISO 9660-looking image (CD001 at byte 32769), sent one chunk every CHUNK_EVERY_MS. */
function isoImage(): Buffer {
  const b = Buffer.alloc(CHUNK * CHUNKS, 0x11);
  b.write('CD001', 32769, 'latin1');
  return b;
}

async function trickleServer(image: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/slow.iso') return void res.writeHead(404).end('no such image');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': image.length });
    let i = 0;
    const t = setInterval(() => {
      if (res.destroyed) return clearInterval(t);
      res.write(image.subarray(i * CHUNK, (i + 1) * CHUNK));
      if (++i === CHUNKS) {
        clearInterval(t);
        res.end();
      }
    }, CHUNK_EVERY_MS);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

gate.describe('media-download events from Redfish InsertMedia', () => {
  const bus = new EventBus();
  const seen: Download[] = [];
  const image = isoImage();
  let dir: string;
  let driver: MemoryDriver;
  let app: RedfishApp;
  let http: Server;
  let base: string;
  let images: Awaited<ReturnType<typeof trickleServer>>;
  let nodes: Node[];

  beforeAll(async () => {
    bus.subscribe((e) => void (e.kind === 'media-download' && seen.push(e)));
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-media-events-'));
    driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 10, mediaDir: join(dir, 'm') });
    images = await trickleServer(image);
    app = createRedfishApp({
      driver,
      settings: redfishSection.parse({ tls: false, port: 0 }),
      shared: sharedSettings({ stateDir: join(dir, 'state') }),
      logger: silentLogger(),
      cache: new MediaCache({ dir: join(dir, 'cache'), maxBytes: 16 * 1024 * 1024 }),
      insertWaitMs: 100,
      bus,
    });
    http = createServer(app);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    nodes = await driver.list();
  });
  afterAll(async () => {
    http?.closeAllConnections();
    http?.close();
    app?.shutdown();
    await images?.close();
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function insert(node: Node, url: string): Promise<number> {
    const r = await execa('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-u',
      'admin:password',
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({ Image: url }),
      `${base}/redfish/v1/Systems/${node.id}/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia`,
    ]);
    return Number(r.stdout);
  }
  async function until(pred: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await pred()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(await pred()).toBe(true);
  }
  const of = (node: Node) => seen.filter((e) => e.node === node.id);

  it('started, progress at most 4 per second with growing bytes, done with the size; all naming the node', async () => {
    const [n0] = nodes;
    const url = `${images.url}/slow.iso`;
    expect([202, 204]).toContain(await insert(n0!, url));
    await until(() => of(n0!).some((e) => e.done));
    const story = of(n0!);
    expect(story[0]).toMatchObject({ phase: 'started', url, slot: 'Cd', bytes: 0, done: false });
    expect(story.at(-1)).toMatchObject({
      phase: 'done',
      bytes: image.length,
      total: image.length,
      hit: false,
      done: true,
    });
    const progress = story.filter((e) => e.phase === 'progress');
    // ~1.4 s of trickle: the cache reports every 200 ms, the events go out at most every 250 ms
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.time - progress[i - 1]!.time).toBeGreaterThanOrEqual(245);
      expect(progress[i]!.bytes).toBeGreaterThanOrEqual(progress[i - 1]!.bytes);
    }
    for (const p of progress) expect(p).toMatchObject({ total: image.length, done: false });
    expect(progress.every((p) => p.bytes < image.length)).toBe(true);
    expect(story.map((e) => e.phase).filter((p) => p !== 'progress')).toEqual(['started', 'done']);
    await until(() => driverHas(n0!, url));
  });

  it("a second node's insert of the same image is a cache hit: started then done, nothing downloaded", async () => {
    const n1 = nodes[1]!;
    const url = `${images.url}/slow.iso`;
    expect(await insert(n1, url)).toBe(204);
    await until(() => of(n1).some((e) => e.done));
    expect(of(n1).map((e) => [e.phase, e.hit])).toEqual([
      ['started', undefined],
      ['done', true],
    ]);
  });

  it('a missing image: started then failed, with the media error code and the HTTP status', async () => {
    const n0 = nodes[0]!;
    await execa('curl', [
      '-s',
      '-u',
      'admin:password',
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-d',
      '{}',
      `${base}/redfish/v1/Systems/${n0.id}/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia`,
    ]);
    seen.length = 0;
    expect(await insert(n0, `${images.url}/missing.iso`)).toBe(400);
    await until(() => of(n0).some((e) => e.done));
    expect(of(n0).map((e) => e.phase)).toEqual(['started', 'failed']);
    expect(of(n0)[1]).toMatchObject({ code: 'BMCEMU_MEDIA_ERROR', done: true, url: `${images.url}/missing.iso` });
    expect(of(n0)[1]!.error).toMatch(/404/);
  });

  async function driverHas(node: Node, url: string): Promise<boolean> {
    const n = await driver.get(node.id);
    return n.media.some((m) => m.slot === 'Cd' && m.inserted && m.image === url);
  }
});
