import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBmcEmuError } from '@bmc-emu/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaCache } from '../src/media-cache.js';

/** A small origin server on 127.0.0.1 that behaves like nginx for GET/Range/If-Range/If-None-Match. */
class Origin {
  server!: Server;
  base = '';
  files = new Map<string, { body: Buffer; etag?: string; lastModified?: string }>();
  gets: { path: string; range?: string; ifNoneMatch?: string; ifRange?: string }[] = [];
  /** Path -> cut the connection after this many body bytes (once). */
  cutAfter = new Map<string, number>();
  /** Path -> delay each response by ms. */
  slow = new Map<string, number>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    this.gets.push({
      path,
      range: req.headers.range,
      ifNoneMatch: req.headers['if-none-match'] as string | undefined,
      ifRange: req.headers['if-range'] as string | undefined,
    });
    const delay = this.slow.get(path);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (path === '/redirect') {
      res.writeHead(302, { location: '/a.iso' }).end();
      return;
    }
    if (path === '/huge') {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      return; // never ends; the client must give up on its own
    }
    if (path === '/chunked-big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 64; i++) res.write(Buffer.alloc(64 * 1024, i));
      res.end();
      return;
    }
    const f = this.files.get(path);
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    const headers: Record<string, string> = {};
    if (f.etag) headers.etag = f.etag;
    if (f.lastModified) headers['last-modified'] = f.lastModified;
    if (f.etag && req.headers['if-none-match'] === f.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const rangeOk = m && (!ifRange || ifRange === f.etag || ifRange === f.lastModified);
    if (rangeOk && m) {
      start = Number(m[1]);
      headers['content-range'] = `bytes ${start}-${f.body.length - 1}/${f.body.length}`;
    }
    const body = f.body.subarray(start);
    headers['content-length'] = String(body.length);
    res.writeHead(rangeOk ? 206 : 200, headers);
    const cut = this.cutAfter.get(path);
    if (cut !== undefined) {
      this.cutAfter.delete(path);
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(body);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('MediaCache', () => {
  const origin = new Origin();
  let dir: string;
  const iso = randomBytes(3 * 1024 * 1024 + 17);

  beforeAll(() => origin.start());
  afterAll(() => origin.stop());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bmcemu-media-'));
    origin.gets = [];
    origin.files.set('/a.iso', { body: iso, etag: '"v1"' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('downloads once, names the file by sha256, and revalidates with If-None-Match', async () => {
    const cache = new MediaCache({ dir, maxBytes: 64 * 1024 * 1024 });
    const first = await cache.fetch(`${origin.base}/a.iso`);
    expect(first.hit).toBe(false);
    expect(first.sha256).toBe(sha(iso));
    expect(first.size).toBe(iso.length);
    expect(first.path.endsWith(first.sha256)).toBe(true);
    expect(readFileSync(first.path).equals(iso)).toBe(true);

    const second = await cache.fetch(`${origin.base}/a.iso`);
    expect(second).toEqual({ ...first, hit: true });
    expect(origin.gets.map((g) => g.ifNoneMatch)).toEqual([undefined, '"v1"']);

    // a new ETag means new content: downloaded again into a new blob
    const v2 = randomBytes(1000);
    origin.files.set('/a.iso', { body: v2, etag: '"v2"' });
    const third = await cache.fetch(`${origin.base}/a.iso`);
    expect(third.hit).toBe(false);
    expect(third.sha256).toBe(sha(v2));
    expect(existsSync(first.path)).toBe(true);
  });

  it('downloads once for 20 concurrent callers and reports progress to each', async () => {
    origin.slow.set('/a.iso', 100);
    const cache = new MediaCache({ dir, maxBytes: 64 * 1024 * 1024 });
    const seen = new Array(20).fill(0);
    const results = await Promise.all(
      seen.map((_, i) => cache.fetch(`${origin.base}/a.iso`, { onProgress: (p) => (seen[i] = p.received) })),
    );
    origin.slow.delete('/a.iso');
    expect(origin.gets.length).toBe(1);
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(seen.every((n) => n === iso.length)).toBe(true);
  });

  it('one caller aborting does not abort the others; all aborting stops the download', async () => {
    origin.slow.set('/a.iso', 300);
    const cache = new MediaCache({ dir, maxBytes: 64 * 1024 * 1024 });
    const ac = new AbortController();
    const a = cache.fetch(`${origin.base}/a.iso`, { signal: ac.signal });
    const b = cache.fetch(`${origin.base}/a.iso`);
    ac.abort();
    await expect(a).rejects.toMatchObject({ code: 'BMCEMU_MEDIA_ERROR' });
    expect((await b).sha256).toBe(sha(iso));

    const solo = new AbortController();
    origin.files.set('/b.iso', { body: randomBytes(5000), etag: '"b"' });
    origin.slow.set('/b.iso', 300);
    const c = cache.fetch(`${origin.base}/b.iso`, { signal: solo.signal });
    setTimeout(() => solo.abort(), 50);
    await expect(c).rejects.toMatchObject({ code: 'BMCEMU_MEDIA_ERROR', details: { aborted: true } });
    origin.slow.clear();
  });

  it('resumes an interrupted download with Range + If-Range and gets identical bytes', async () => {
    const cache = new MediaCache({ dir, maxBytes: 64 * 1024 * 1024 });
    origin.cutAfter.set('/a.iso', 1024 * 1024);
    await expect(cache.fetch(`${origin.base}/a.iso`)).rejects.toMatchObject({ code: 'BMCEMU_MEDIA_ERROR' });
    const progress: number[] = [];
    const r = await cache.fetch(`${origin.base}/a.iso`, { onProgress: (p) => progress.push(p.resumedFrom) });
    expect(r.hit).toBe(false);
    expect(r.sha256).toBe(sha(iso));
    expect(readFileSync(r.path).equals(iso)).toBe(true);
    const resumed = origin.gets[1];
    expect(resumed?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(resumed?.range?.slice(6, -1))).toBeGreaterThan(0);
    expect(resumed?.ifRange).toBe('"v1"');
    expect(progress[0]).toBeGreaterThan(0);
  });

  it('starts over when the image changed since the partial download (If-Range mismatch)', async () => {
    const cache = new MediaCache({ dir, maxBytes: 64 * 1024 * 1024 });
    origin.cutAfter.set('/a.iso', 500_000);
    await expect(cache.fetch(`${origin.base}/a.iso`)).rejects.toThrow();
    const v2 = randomBytes(2_000_000);
    origin.files.set('/a.iso', { body: v2, etag: '"v2"' });
    const r = await cache.fetch(`${origin.base}/a.iso`);
    expect(r.sha256).toBe(sha(v2));
    expect(statSync(r.path).size).toBe(v2.length);
  });

  it('follows redirects and shares the blob of identical content', async () => {
    const cache = new MediaCache({ dir, maxBytes: 64 * 1024 * 1024 });
    const a = await cache.fetch(`${origin.base}/a.iso`);
    const r = await cache.fetch(`${origin.base}/redirect`);
    expect(r.path).toBe(a.path);
    expect(r.hit).toBe(false);
  });

  it('refuses bad schemes, 404s and images over the limit with BMCEMU_MEDIA_ERROR', async () => {
    const cache = new MediaCache({ dir, maxBytes: 1024 * 1024, idleTimeoutMs: 2000 });
    for (const bad of ['ftp://127.0.0.1/x.iso', 'file:///etc/passwd', 'nfs://h/x', 'not a url', 'tftp://h/x']) {
      const err = await cache.fetch(bad).catch((e: unknown) => e);
      expect(isBmcEmuError(err, 'BMCEMU_MEDIA_ERROR')).toBe(true);
    }
    await expect(cache.fetch(`${origin.base}/missing.iso`)).rejects.toMatchObject({
      code: 'BMCEMU_MEDIA_ERROR',
      details: { status: 404 },
    });
    await expect(cache.fetch(`${origin.base}/huge`)).rejects.toMatchObject({
      code: 'BMCEMU_MEDIA_ERROR',
      details: { maxBytes: 1024 * 1024 },
    });
    // no Content-Length: the limit is enforced while streaming
    await expect(cache.fetch(`${origin.base}/chunked-big`)).rejects.toMatchObject({
      code: 'BMCEMU_MEDIA_ERROR',
      details: { maxBytes: 1024 * 1024 },
    });
    await expect(cache.fetch('http://127.0.0.1:1/x.iso')).rejects.toMatchObject({ code: 'BMCEMU_MEDIA_ERROR' });
  });
});

const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)('MediaCache on a full disk (tmpfs, root only)', () => {
  const origin = new Origin();
  let mnt: string;
  beforeAll(async () => {
    await origin.start();
    mnt = mkdtempSync(join(tmpdir(), 'bmcemu-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  });
  afterAll(async () => {
    await origin.stop();
    try {
      execFileSync('umount', [mnt]);
    } catch {}
    rmSync(mnt, { recursive: true, force: true });
  });

  it('maps ENOSPC to BMCEMU_MEDIA_ERROR and keeps serving later requests', async () => {
    origin.files.set('/big.iso', { body: randomBytes(3 * 1024 * 1024), etag: '"big"' });
    origin.files.set('/small.iso', { body: randomBytes(1000), etag: '"s"' });
    const cache = new MediaCache({ dir: join(mnt, 'cache'), maxBytes: 64 * 1024 * 1024 });
    const err = await cache.fetch(`${origin.base}/big.iso`).catch((e: unknown) => e);
    expect(isBmcEmuError(err, 'BMCEMU_MEDIA_ERROR')).toBe(true);
    expect((err as { details: { errno?: string } }).details.errno).toBe('ENOSPC');
    rmSync(join(mnt, 'cache', 'partial'), { recursive: true, force: true });
    mkdirSync(join(mnt, 'cache', 'partial'));
    writeFileSync(join(mnt, 'probe'), 'ok');
    const ok = await cache.fetch(`${origin.base}/small.iso`);
    expect(ok.size).toBe(1000);
  });
});
