/** boot HTTP serves the shared virtual-media cache under /media/<sha256>, checked with curl (Range, HEAD). */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemoryDriver } from '@bmc-emu/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, requirePeers } from '../../../test/support/peers.js';
import { BootHttpServer, MediaCache } from '../src/index.js';
import { mediaKey } from '../src/media-route.js';

const run = promisify(execFile);
const image = randomBytes(3 * 1024 * 1024 + 17);
const sha256 = createHash('sha256').update(image).digest('hex');

describe('mediaKey', () => {
  it('takes exactly 64 lowercase hex digits after /media/, nothing else', () => {
    expect(mediaKey(`/media/${sha256}`)).toBe(sha256);
    expect(mediaKey(`/media/${sha256.toUpperCase()}`)).toBeUndefined();
    expect(mediaKey(`/media/${sha256}/x`)).toBeUndefined();
    expect(mediaKey(`/media/../${sha256}`)).toBeUndefined();
    fc.assert(
      fc.property(fc.string(), (s) => {
        const k = mediaKey(s);
        if (k !== undefined) expect(s).toBe(`/media/${k}`);
        return k === undefined || /^[0-9a-f]{64}$/.test(k);
      }),
    );
  });
});

const gate = requirePeers('boot-http /media with curl', [command('curl')]);
gate.describe('boot HTTP serves cached virtual media', () => {
  let dir: string;
  let images: Server;
  let server: BootHttpServer;
  let imageUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-media-route-'));
    images = createServer((_req, res) => res.writeHead(200, { 'content-length': image.length }).end(image));
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/disk.iso`;
    const mediaCache = new MediaCache({ dir: join(dir, 'cache'), maxBytes: 16 * 1024 * 1024 });
    const got = await mediaCache.fetch(imageUrl);
    expect(got.sha256).toBe(sha256);
    server = new BootHttpServer({
      driver: new MemoryDriver(),
      host: '127.0.0.1',
      port: 0,
      root: join(dir, 'www'),
      mediaCache,
    });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    images?.closeAllConnections();
    await new Promise<void>((r) => (images ? images.close(() => r()) : r()));
    await rm(dir, { recursive: true, force: true });
  });

  const curl = (...args: string[]) =>
    run('curl', ['-sS', '--max-time', '20', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });

  it('answers the whole image, byte for byte', async () => {
    const { stdout } = await curl(`${server.url}/media/${sha256}`);
    expect(createHash('sha256').update(stdout).digest('hex')).toBe(sha256);
  });

  it('answers a Range with 206 and exactly those bytes', async () => {
    const from = 1024 * 1024 - 3;
    const to = 2 * 1024 * 1024 + 5;
    const { stdout } = await curl('-r', `${from}-${to}`, '-w', '\n%{http_code}', `${server.url}/media/${sha256}`);
    const text = stdout as Buffer;
    const status = text.subarray(text.lastIndexOf(0x0a) + 1).toString();
    expect(status).toBe('206');
    expect(text.subarray(0, text.lastIndexOf(0x0a)).equals(image.subarray(from, to + 1))).toBe(true);
  });

  it('answers HEAD with the size and byte ranges, and 404 for an image it does not hold', async () => {
    const head = (await curl('-I', `${server.url}/media/${sha256}`)).stdout.toString();
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(new RegExp(`content-length: ${image.length}\\r`, 'i'));
    expect(head).toMatch(/accept-ranges: bytes/i);
    const missing = await curl('-o', '/dev/null', '-w', '%{http_code}', `${server.url}/media/${'0'.repeat(64)}`);
    expect(missing.stdout.toString()).toBe('404');
    const notKey = await curl('-o', '/dev/null', '-w', '%{http_code}', `${server.url}/media/disk.iso`);
    expect(notKey.stdout.toString()).toBe('404');
  });
});
