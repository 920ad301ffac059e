/** Test harness: a memory-driver Redfish server on 127.0.0.1 with the real image cache and an image HTTP server. */
import { execFile } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import { demoNodes, MemoryDriver, type Node, sharedSettings, silentLogger } from '@bmc-emu/core';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';

export const IPXE_ISO = '/usr/lib/ipxe/ipxe.iso';

export interface ImageServer {
  url: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves ipxe.iso, a raw (non-ISO) disk image, a slow image and 404 for anything else; counts requests. */
export async function startImageServer(dir: string, slowMs = 0): Promise<ImageServer> {
  const raw = join(dir, 'disk.img');
  await writeFile(raw, Buffer.alloc(64 * 1024, 0x5a));
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = path === '/ipxe.iso' || path === '/slow.iso' ? IPXE_ISO : path === '/disk.img' ? raw : undefined;
    if (!file) {
      res.writeHead(404).end('no such image');
      return;
    }
    const go = () => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(file).size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    };
    if (path === '/slow.iso') setTimeout(go, slowMs).unref();
    else go();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Harness {
  dir: string;
  driver: MemoryDriver;
  server: RedfishServer;
  url: string;
  base: string;
  caFile: string;
  images: ImageServer;
  node: Node;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { tls?: boolean; nodes?: number; insertWaitMs?: number; slowMs?: number; memoryMiB?: number } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'bmcemu-redfish-'));
  const tls = opts.tls ?? true;
  const settings = redfishSection.parse({ tls, port: 0 });
  const shared = sharedSettings({ stateDir: join(dir, 'state') });
  const nodes = demoNodes(opts.nodes ?? 2);
  if (opts.memoryMiB !== undefined) nodes[0]!.memoryMiB = opts.memoryMiB;
  const driver = new MemoryDriver({ nodes, transitionMs: 100, mediaDir: join(dir, 'm') });
  const cache = new MediaCache({ dir: join(dir, 'cache'), maxBytes: 64 * 1024 * 1024, logger: silentLogger() });
  const images = await startImageServer(dir, opts.slowMs ?? 0);
  const server = new RedfishServer({
    driver,
    settings,
    shared,
    logger: silentLogger(),
    cache,
    port: 0,
    host: '127.0.0.1',
    ...(opts.insertWaitMs !== undefined ? { insertWaitMs: opts.insertWaitMs } : {}),
  });
  const url = await server.start();
  const node = (await driver.list())[0]!;
  return {
    dir,
    driver,
    server,
    url,
    base: url.replace(/\/redfish\/v1$/, ''),
    caFile: join(dir, 'state', 'tls', 'ca.crt'),
    images,
    node,
    async close() {
      await server.stop();
      await images.close();
      await driver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Environment for Debian's python/requests: without the CA-bundle variables that override `verify=`. */
export function peerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']) delete env[k];
  return env;
}

export function run(
  cmd: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: peerEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** fetch() that trusts nothing but talks plain HTTP or to our TLS via node's https (for non-peer checks). */
export function basic(user = 'admin', password = 'password'): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
