/**
 * `bmc-emu serve` with boot HTTP on: real curl InsertMedia through Redfish (an image served by a local HTTP
 * server with an ETag) moves `bmcemu_media_cache_*` by exact amounts, a refused power action moves
 * `bmcemu_driver_errors_total`, and boot HTTP answers the same `/metrics` page; promtool accepts both.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, expect, it } from 'vitest';
import { basic, httpsJson } from './support/https-json.js';
import { freePort } from './support/ironic.js';
import { command, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();
const IPXE_ISO = '/usr/lib/ipxe/ipxe.iso';
const gate = requirePeers('media cache metrics in serve', [
  command('curl'),
  command('promtool', 'prometheus'),
  { name: IPXE_ISO, ok: existsSync(IPXE_ISO), hint: 'apt-get install ipxe' },
]);

interface Family {
  name: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}
type Page = Map<string, Family>;
const parse = (text: string): Page => new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
function value(page: Page, name: string, labels: Record<string, string> = {}): number {
  const m = page.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m ? Number(m.value) : 0;
}

/** The ISO with an ETag; answers If-None-Match with 304, counts the bodies it sent. */
async function imageServer(image: Buffer): Promise<{ url: string; bodies: () => number; close(): Promise<void> }> {
  const etag = `"${createHash('sha256').update(image).digest('hex').slice(0, 16)}"`;
  let bodies = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/ipxe.iso') return void res.writeHead(404).end('no such image');
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    bodies++;
    res.writeHead(200, { 'Content-Length': image.length, ETag: etag }).end(image);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies: () => bodies,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

gate.describe('media cache and driver-error metrics in bmc-emu serve', () => {
  let serve: ServeProcess | undefined;
  let images: Awaited<ReturnType<typeof imageServer>> | undefined;
  afterEach(async () => {
    await serve?.stop();
    await images?.close();
    serve = images = undefined;
  });

  it('counts real inserts exactly on both listeners and passes promtool', async () => {
    const stateDir = await tempDir('bmcemu-metrics-media-');
    const httpPort = await freePort();
    const iso = await readFile(IPXE_ISO);
    images = await imageServer(iso);
    serve = await startServe({
      nodes: 2,
      stateDir,
      env: { BMCEMU_HTTP_ENABLED: 'true', BMCEMU_HTTP_PORT: String(httpPort), BMCEMU_HTTP_ROOT: stateDir },
    });
    const base = `https://127.0.0.1:${serve.redfishPort}`;
    const caFile = join(stateDir, 'tls', 'ca.crt');
    const ca = await readFile(caFile, 'utf8');
    const scrape = async () => parse(String((await httpsJson(`${base}/metrics`, { ca })).body));
    const auth = basic('admin', 'password');
    const systems = await httpsJson(`${base}/redfish/v1/Systems`, { ca, headers: auth });
    const ids = (systems.body as { Members: Array<{ '@odata.id': string }> }).Members.map((m) => m['@odata.id']);
    const post = (path: string, body: unknown) =>
      execa('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        caFile,
        '-u',
        'admin:password',
        '-H',
        'Content-Type: application/json',
        '-d',
        JSON.stringify(body),
        `${base}${path}`,
      ]).then((r) => Number(r.stdout));
    const insert = (sys: string, image: string, slot = 'Cd') =>
      post(`${sys}/VirtualMedia/${slot}/Actions/VirtualMedia.InsertMedia`, { Image: image });

    const b = await scrape();
    expect(value(b, 'bmcemu_media_cache_misses_total')).toBe(0);
    expect(b.get('bmcemu_media_cache_bytes')?.metrics).toHaveLength(1);
    const image = `${images.url}/ipxe.iso`;

    expect(await insert(ids[0]!, image)).toBe(204);
    const a1 = await scrape();
    expect(value(a1, 'bmcemu_media_cache_misses_total')).toBe(1);
    expect(value(a1, 'bmcemu_media_cache_hits_total')).toBe(0);
    expect(value(a1, 'bmcemu_media_cache_download_bytes_total')).toBe(iso.length);
    expect(value(a1, 'bmcemu_media_cache_bytes')).toBe(iso.length);
    expect(value(a1, 'bmcemu_media_cache_downloads_in_flight')).toBe(0);
    expect(value(a1, 'bmcemu_media_downloads_total', { result: 'ok' })).toBe(1);
    expect(value(a1, 'bmcemu_media_download_bytes_total')).toBe(iso.length);

    // the second node's insert revalidates (304) and downloads nothing
    expect(await insert(ids[1]!, image)).toBe(204);
    // a missing image is a miss that fails
    expect(await insert(ids[1]!, `${images.url}/missing.iso`, 'UsbStick')).toBe(400);
    // a graceful restart of a node that is off is refused by the driver
    expect(
      await post(`${ids[0]}/Actions/ComputerSystem.Reset`, { ResetType: 'GracefulRestart' }),
    ).toBeGreaterThanOrEqual(400);
    const a2 = await scrape();
    expect(images.bodies()).toBe(1);
    expect(value(a2, 'bmcemu_media_cache_hits_total')).toBe(1);
    expect(value(a2, 'bmcemu_media_cache_misses_total')).toBe(2);
    expect(value(a2, 'bmcemu_media_cache_download_bytes_total')).toBe(iso.length);
    expect(value(a2, 'bmcemu_media_cache_bytes')).toBe(iso.length);
    expect(value(a2, 'bmcemu_media_downloads_total', { result: 'cached' })).toBe(1);
    expect(value(a2, 'bmcemu_media_downloads_total', { result: 'error' })).toBe(1);
    expect(value(a2, 'bmcemu_media_downloads_total', { result: 'ok' })).toBe(1);
    const refused = { op: 'power', code: 'BMCEMU_CONFLICT' };
    expect(value(a2, 'bmcemu_driver_errors_total', refused) - value(b, 'bmcemu_driver_errors_total', refused)).toBe(1);

    // the same registry on the boot-HTTP listener, without TLS or credentials
    const onBoot = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
    expect(onBoot.status).toBe(200);
    const bootText = await onBoot.text();
    const bp = parse(bootText);
    expect(value(bp, 'bmcemu_media_cache_misses_total')).toBe(2);
    expect(value(bp, 'bmcemu_media_cache_hits_total')).toBe(1);
    expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`, { method: 'POST' })).status).toBe(405);

    const redfishText = String((await httpsJson(`${base}/metrics`, { ca })).body);
    for (const text of [redfishText, bootText]) {
      expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).trim()).toBe('');
    }
  });

  it('metrics.bootHttp false (BMCEMU_METRICS_BOOT_HTTP=false) keeps /metrics off the boot-HTTP listener only', async () => {
    const stateDir = await tempDir('bmcemu-metrics-boot-off-');
    const httpPort = await freePort();
    serve = await startServe({
      nodes: 1,
      stateDir,
      env: {
        BMCEMU_HTTP_ENABLED: 'true',
        BMCEMU_HTTP_PORT: String(httpPort),
        BMCEMU_HTTP_ROOT: stateDir,
        BMCEMU_METRICS_BOOT_HTTP: 'false',
      },
    });
    expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    expect((await httpsJson(`https://127.0.0.1:${serve.redfishPort}/metrics`, { ca })).status).toBe(200);
  });
});
