/**
 * The sendfile(2) body engine against real clients: curl (full file and Ranges over one keep-alive
 * connection), wget and ab; clients that reset or stall mid-transfer; pipelined requests; the stream
 * engine (http.sendfile: false, also by BMCEMU_HTTP_SENDFILE) giving identical bytes; TLS and a file
 * sendfile refuses falling back to streaming; a failure after the first byte cutting the connection.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, MemoryDriver } from '@bmc-emu/core';
import { ensureTls } from '@bmc-emu/redfish';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config-schema.js';
import { command, IN_CI, requirePeers } from '../../../test/support/peers.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';
import { type AccessLogEntry, BootHttpServer } from '../src/index.js';
import { sendBody } from '../src/send-body.js';
import { sendRange } from '../src/send-range.js';
import { SENDFILE_CHUNK, sendRangeSendfile } from '../src/send-range-sendfile.js';
import { type SendfileBinding, sendfileBinding, sendfileLoadError } from '../src/sendfile-native.js';

const execFileP = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const native = sendfileBinding();
const tmp = tempDirs();

describe('sendfile native addon', () => {
  if (!native && !IN_CI) {
    it.skip(`is built: NOT BUILT here (${sendfileLoadError()}); npm rebuild @bmc-emu/boot-http; this fails under CI=true`, () => {});
    return;
  }
  it('is built (npm install runs node-gyp for @bmc-emu/boot-http)', () => {
    expect(native).toBeDefined();
  });
  it('refuses bad pump arguments with a TypeError and ignores unknown cancel tokens', () => {
    if (!native) return;
    const done = () => undefined;
    expect(() => native.pump(1, 2, 0, 0, 1024, done)).toThrow(TypeError); // nothing to send
    expect(() => native.pump(-1, 2, 0, 10, 1024, done)).toThrow(TypeError);
    expect(() => native.pump(1, 2, 0, 10, 0, done)).toThrow(TypeError);
    expect(() => native.pump(1, 2, 0, 10, 1024, 'x' as unknown as typeof done)).toThrow(TypeError);
    expect(native.cancel(12345)).toBe(-1);
    // a descriptor that is not open: dup(2) fails, reported as an error with the errno's name
    expect(() => native.pump(987_654, 2, 0, 10, 1024, done)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

/** Raw HTTP/1.1 responses from one connection: status, headers, body, in order. */
function parseResponses(buf: Buffer): { status: number; headers: Record<string, string>; body: Buffer }[] {
  const out: { status: number; headers: Record<string, string>; body: Buffer }[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [statusLine, ...lines] = buf.subarray(at, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const len = Number(headers['content-length']);
    if (end + 4 + len > buf.length) break;
    out.push({ status: Number(statusLine?.split(' ')[1]), headers, body: buf.subarray(end + 4, end + 4 + len) });
    at = end + 4 + len;
  }
  return out;
}

const openFds = () => readdirSync('/proc/self/fd').length;

async function settle(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

const curlPeer = requirePeers('boot-http sendfile (curl)', [command('curl')]);
describe.runIf(native !== undefined || IN_CI)('sendfile engine', () => {
  // an odd size, larger than the 64 MiB the brief names, so no slice lines up with a page or a chunk
  const big = randomBytes(64 * 1024 * 1024 + 12_345);
  const small = randomBytes(4 * 1024 * 1024 + 7);
  let root: string;
  let server: BootHttpServer;
  let base: string;
  const access: AccessLogEntry[] = [];

  beforeAll(async () => {
    root = await tmp('bmcemu-sendfile-');
    await writeFile(join(root, 'big.img'), big);
    await writeFile(join(root, 'small.img'), small);
    server = new BootHttpServer({ driver: new MemoryDriver(), host: '127.0.0.1', port: 0, root });
    server.on('access', (e) => access.push(e));
    base = `${await server.start()}/files`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  curlPeer.describe('with curl', () => {
    it('sends exact bytes for the whole file and for Ranges, all over one keep-alive connection', async () => {
      expect(server.bodyEngine).toBe('sendfile');
      const dir = await tmp('bmcemu-sendfile-curl-');
      const before = { ...server.bodies };
      const w = '%{http_code} %{num_connects} %{size_download}\\n';
      const o = (n: string) => join(dir, n);
      const { stdout } = await execFileP('curl', [
        ...['-s', '-o', o('full'), '-w', w, `${base}/big.img`],
        ...['--next', '-s', '-r', '1000-40000000', '-o', o('mid'), '-w', w, `${base}/big.img`],
        ...['--next', '-s', '-r', '-777', '-o', o('tail'), '-w', w, `${base}/big.img`],
        ...['--next', '-s', '-r', `${big.length - 5}-`, '-o', o('last'), '-w', w, `${base}/big.img`],
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines).toEqual([`200 1 ${big.length}`, '206 0 39999001', '206 0 777', '206 0 5']);
      expect(sha(await readFile(o('full')))).toBe(sha(big));
      expect(sha(await readFile(o('mid')))).toBe(sha(big.subarray(1000, 40_000_001)));
      expect(sha(await readFile(o('tail')))).toBe(sha(big.subarray(big.length - 777)));
      expect(await readFile(o('last'))).toEqual(big.subarray(big.length - 5));
      expect(server.bodies.sendfile - before.sendfile).toBe(4);
      expect(server.bodies.stream).toBe(before.stream);
      await settle(() => access.filter((e) => e.path === '/files/big.img').length >= 4);
      expect(access.slice(-4).map((e) => e.bytes)).toEqual([big.length, 39_999_001, 777, 5]);
    });

    it('sends exact bytes for Ranges that end at, just past and inside a pump chunk', async () => {
      const C = SENDFILE_CHUNK;
      const ranges: [number, number][] = [
        [0, C - 1], // the first slice alone
        [7, C + 7], // one byte past it: the pump sends the rest
        [1, 3 * C + 3], // whole chunks and a 3-byte tail
        [big.length - C - 2, big.length - 2], // ends one byte before the end of the file
      ];
      const dir = await tmp('bmcemu-sendfile-chunks-');
      const before = server.bodies.sendfile;
      const seen = access.length;
      const args = ranges.flatMap(([a, b], i) => [
        ...(i ? ['--next'] : []),
        ...['-s', '-r', `${a}-${b}`, '-o', join(dir, `r${i}`), '-w', '%{http_code} %{num_connects}\\n'],
        `${base}/big.img`,
      ]);
      const { stdout } = await execFileP('curl', args);
      expect(stdout.trim().split('\n')).toEqual(['206 1', '206 0', '206 0', '206 0']);
      for (const [i, [a, b]] of ranges.entries()) {
        expect(sha(await readFile(join(dir, `r${i}`)))).toBe(sha(big.subarray(a, b + 1)));
      }
      await settle(() => access.length >= seen + ranges.length);
      expect(access.slice(seen).map((e) => e.bytes)).toEqual(ranges.map(([a, b]) => b - a + 1));
      await settle(() => server.bodies.sendfile - before === ranges.length);
      expect(server.bodies.sendfile - before).toBe(ranges.length);
    });

    it('cuts the connection when the file shrinks under a running pump, after exact bytes', async () => {
      const orig = randomBytes(48 * 1024 * 1024);
      const path = join(root, 'shrinking.img');
      await writeFile(path, orig);
      const dir = await tmp('bmcemu-sendfile-shrink-');
      const seen = access.length;
      const run = execFileP('curl', [
        ...['-s', '--limit-rate', '8M', '-o', join(dir, 'got'), '-w', '%{size_download}'],
        `${base}/shrinking.img`,
      ]).catch((e: { code?: number; stdout?: string }) => e);
      await new Promise((r) => setTimeout(r, 300));
      const { truncate } = await import('node:fs/promises');
      // the pump is still running: curl has read about 2.5 MB so far, and 24 MiB leaves seconds of slack under load
      await truncate(path, 24 * 1024 * 1024);
      const r = (await run) as { code?: number; stdout?: string };
      expect(r.code).toBe(18); // CURLE_PARTIAL_FILE: cut, not a short 200 taken as whole
      const got = await readFile(join(dir, 'got'));
      expect(got.length).toBe(Number(r.stdout));
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(24 * 1024 * 1024);
      expect(sha(got)).toBe(sha(orig.subarray(0, got.length)));
      await settle(() => access.length > seen);
      expect(access[seen]?.path).toBe('/files/shrinking.img');
      expect(access[seen]?.bytes).toBe(24 * 1024 * 1024);
    });

    it('keeps serving after clients that reset or stall mid-transfer, leaving no descriptor open', async () => {
      const fdsBefore = openFds();
      const seen = access.length;
      // 1: reset (RST) after the first MiB arrived
      await new Promise<void>((resolve, reject) => {
        const s = connect(server.port, '127.0.0.1', () => s.write('GET /files/big.img HTTP/1.1\r\nHost: x\r\n\r\n'));
        let got = 0;
        s.on('data', (d: Buffer) => {
          got += d.length;
          if (got > 1024 * 1024) {
            s.resetAndDestroy();
            resolve();
          }
        });
        s.on('error', reject);
      });
      // 2: a client that stops reading (the server waits for room), then goes away
      const stalled: Socket = connect(server.port, '127.0.0.1', () =>
        stalled.write('GET /files/big.img HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      stalled.pause();
      await new Promise((r) => setTimeout(r, 400));
      stalled.destroy();
      // 3: curl giving up on its own (time limit on a slow read)
      const cut = await execFileP('curl', [
        '-s',
        '-o',
        '/dev/null',
        '--limit-rate',
        '4M',
        '--max-time',
        '1',
        `${base}/big.img`,
      ]).catch((e: { code?: number }) => e);
      expect((cut as { code?: number }).code).toBe(28);
      await settle(() => access.length >= seen + 3);
      const cutShort = access.slice(seen, seen + 3);
      expect(cutShort).toHaveLength(3);
      for (const e of cutShort) {
        expect(e.status).toBe(200);
        expect(e.bytes).toBeGreaterThan(0);
        expect(e.bytes).toBeLessThan(big.length);
      }
      const { stdout } = await execFileP('sh', ['-c', `curl -s ${base}/big.img | sha256sum`]);
      expect(stdout.split(' ')[0]).toBe(sha(big));
      await settle(() => openFds() <= fdsBefore);
      expect(openFds()).toBeLessThanOrEqual(fdsBefore);
    });

    it('streams from the shared chunk cache once 4 bodies of the same file are in flight, same bytes', async () => {
      const before = { ...server.bodies };
      const sums = await Promise.all(
        Array.from({ length: 6 }, () =>
          execFileP('sh', ['-c', `curl -s --limit-rate 40M ${base}/big.img | sha256sum`]).then(
            (r) => r.stdout.split(' ')[0],
          ),
        ),
      );
      expect(sums).toEqual(Array(6).fill(sha(big)));
      await settle(() => server.bodies.sendfile + server.bodies.stream - before.sendfile - before.stream === 6);
      expect(server.bodies.sendfile - before.sendfile).toBe(4);
      expect(server.bodies.stream - before.stream).toBe(2);
    });

    it('answers pipelined requests in order (the queued response streams: the socket is not its yet)', async () => {
      const before = { ...server.bodies };
      const req = (range: string) => `GET /files/big.img HTTP/1.1\r\nHost: x\r\nRange: bytes=${range}\r\n\r\n`;
      const raw = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let total = 0;
        const s = connect(server.port, '127.0.0.1', () =>
          s.write(req('0-2999999') + req('5000000-9999999') + req('-100')),
        );
        s.on('data', (d: Buffer) => {
          chunks.push(d);
          total += d.length;
          if (parseResponses(Buffer.concat(chunks)).length === 3) {
            s.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
        s.on('error', reject);
        s.setTimeout(20_000, () => reject(new Error(`pipelined responses incomplete after ${total} bytes`)));
      });
      const replies = parseResponses(raw);
      expect(replies.map((r) => r.status)).toEqual([206, 206, 206]);
      expect(sha(replies[0]!.body)).toBe(sha(big.subarray(0, 3_000_000)));
      expect(sha(replies[1]!.body)).toBe(sha(big.subarray(5_000_000, 10_000_000)));
      expect(replies[2]!.body).toEqual(big.subarray(big.length - 100));
      const counted = () => server.bodies.sendfile - before.sendfile + server.bodies.stream - before.stream;
      await settle(() => counted() === 3); // a body is counted once its response ended on the server's side
      expect(counted()).toBe(3);
      expect(server.bodies.sendfile - before.sendfile).toBeGreaterThanOrEqual(1);
    });

    it('streams identical bytes with http.sendfile false (BMCEMU_HTTP_SENDFILE=false)', async () => {
      const cfg = await loadConfig({ schema: configSchema, env: { BMCEMU_HTTP_SENDFILE: 'false' } });
      expect(cfg.http.sendfile).toBe(false);
      expect((await loadConfig({ schema: configSchema, env: {} })).http.sendfile).toBe(true);
      const off = new BootHttpServer({
        driver: new MemoryDriver(),
        host: '127.0.0.1',
        port: 0,
        root,
        sendfile: cfg.http.sendfile,
      });
      const url = `${await off.start()}/files/big.img`;
      try {
        expect(off.bodyEngine).toBe('stream');
        const dir = await tmp('bmcemu-sendfile-off-');
        await execFileP('curl', [
          ...['-s', '-o', join(dir, 'full'), url],
          ...['--next', '-s', '-r', '1000-40000000', '-o', join(dir, 'mid'), url],
        ]);
        expect(sha(await readFile(join(dir, 'full')))).toBe(sha(big));
        expect(sha(await readFile(join(dir, 'mid')))).toBe(sha(big.subarray(1000, 40_000_001)));
        expect(off.bodies).toEqual({ sendfile: 0, stream: 2 });
      } finally {
        await off.stop();
      }
    });
  });

  it('waits for a client that stops reading (twice) and then reads everything: exact bytes', async () => {
    const before = server.bodies.sendfile;
    const seen = access.length;
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const pauses = [1024 * 1024, 24 * 1024 * 1024]; // stop after these many bytes, for 600 ms each
      const s = connect(server.port, '127.0.0.1', () => s.write('GET /files/big.img HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        total += d.length;
        if (pauses.length && total >= pauses[0]!) {
          pauses.shift();
          s.pause(); // the socket buffers fill up and the server's pump waits for room
          setTimeout(() => s.resume(), 600);
        }
        // parse once the whole response can be there (parsing on every chunk would copy 64 MiB each time)
        if (total >= big.length && parseResponses(Buffer.concat(chunks)).length === 1) {
          s.destroy();
          resolve(Buffer.concat(chunks));
        }
      });
      s.on('error', reject);
      s.setTimeout(30_000, () => reject(new Error(`slow reader incomplete after ${total} bytes`)));
    });
    const [reply] = parseResponses(raw);
    expect(reply?.status).toBe(200);
    expect(reply?.body.length).toBe(big.length);
    expect(sha(reply!.body)).toBe(sha(big));
    await settle(() => access.length > seen);
    expect(access[seen]?.bytes).toBe(big.length);
    // a body is counted once its response ended on the server's side, which may be after the client hung up
    await settle(() => server.bodies.sendfile - before === 1);
    expect(server.bodies.sendfile - before).toBe(1);
  });

  requirePeers('boot-http sendfile (wget)', [command('wget')]).describe('with wget', () => {
    it('downloads the exact file', async () => {
      const dir = await tmp('bmcemu-sendfile-wget-');
      await execFileP('wget', ['-q', '-O', join(dir, 'big'), `${base}/big.img`]);
      expect(sha(await readFile(join(dir, 'big')))).toBe(sha(big));
    });
  });

  requirePeers('boot-http sendfile (ab)', [command('ab', 'apache2-utils')]).describe('with ab', () => {
    it('serves 40 keep-alive requests from 4 concurrent clients, all complete', async () => {
      const before = server.bodies.sendfile;
      const { stdout } = await execFileP('ab', ['-k', '-n', '40', '-c', '4', `${base}/small.img`]);
      const field = (name: string) => new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)?.[1];
      expect(field('Complete requests')).toBe('40');
      expect(field('Failed requests')).toBe('0');
      expect(field('Keep-Alive requests')).toBe('40');
      expect(Number(field('Document Length'))).toBe(small.length);
      expect(server.bodies.sendfile - before).toBe(40);
    });
  });
});

/** A bare node:http server whose handler the test writes (for injected failures and TLS). */
async function listen(
  make: (l: RequestListener) => Server,
  handler: RequestListener,
): Promise<{ port: number; close: () => Promise<void> }> {
  const s = make(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as AddressInfo).port,
    close: () => {
      s.closeAllConnections();
      return new Promise<void>((r) => s.close(() => r()));
    },
  };
}

curlPeer.describe('sendfile fallbacks and failures', () => {
  const body = randomBytes(8 * 1024 * 1024 + 1);
  let file: string;
  beforeAll(async () => {
    file = join(await tmp('bmcemu-sendfile-fb-'), 'f.img');
    await writeFile(file, body);
  });

  const serveWith =
    (binding: SendfileBinding | undefined, outcomes: string[]): RequestListener =>
    (_req, res) => {
      res.setHeader('content-length', String(body.length));
      void sendRangeSendfile(res, file, 0, body.length - 1, { bytes: 0 }, binding).then(async (r) => {
        outcomes.push(r);
        if (r === 'fallback') await sendRange(res, file, 0, body.length - 1, { bytes: 0 });
      });
    };

  it('streams instead when sendfile refuses the file before the first byte', async () => {
    const refusing: SendfileBinding = {
      send: () => {
        throw Object.assign(new Error('sendfile: Invalid argument'), { code: 'EINVAL' });
      },
      pump: () => {
        throw new Error('pump must not run after a refusal');
      },
      cancel: () => -1,
    };
    const outcomes: string[] = [];
    const srv = await listen(createHttpServer, serveWith(refusing, outcomes));
    try {
      const { stdout } = await execFileP('sh', ['-c', `curl -s http://127.0.0.1:${srv.port}/ | sha256sum`]);
      expect(stdout.split(' ')[0]).toBe(sha(body));
      expect(outcomes).toEqual(['fallback']);
    } finally {
      await srv.close();
    }
  });

  it.runIf(native !== undefined)(
    'cuts the connection (never a short 200) when sendfile fails after the first byte',
    async () => {
      const real = native!;
      // the first MiB goes out for real, then the rest fails the way an I/O error in the pump reports it
      const failing: SendfileBinding = {
        send: (out, inFd, offset, count) => real.send(out, inFd, offset, Math.min(count, 1024 * 1024)),
        pump: (_out, _in, _offset, _count, _chunk, done) => {
          setImmediate(() => done(Object.assign(new Error('sendfile: Input/output error'), { code: 'EIO' }), 0));
          return 1;
        },
        cancel: () => -1,
      };
      const outcomes: string[] = [];
      const srv = await listen(createHttpServer, serveWith(failing, outcomes));
      try {
        const r = await execFileP('curl', [
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{size_download}',
          `http://127.0.0.1:${srv.port}/`,
        ]).catch((e: { code?: number; stdout?: string }) => e);
        expect((r as { code?: number }).code).toBe(18); // CURLE_PARTIAL_FILE: the body was cut, curl knows
        const got = Number((r as { stdout?: string }).stdout);
        expect(got).toBeGreaterThan(0);
        expect(got).toBeLessThanOrEqual(1024 * 1024);
        // curl may see the cut before the server has recorded how the body ended
        for (let i = 0; i < 100 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(outcomes).toEqual(['sent']);
        // and the addon's next transfer in this process is whole
        const good = await listen(createHttpServer, serveWith(real, outcomes));
        try {
          const { stdout } = await execFileP('sh', ['-c', `curl -s http://127.0.0.1:${good.port}/ | sha256sum`]);
          expect(stdout.split(' ')[0]).toBe(sha(body));
        } finally {
          await good.close();
        }
      } finally {
        await srv.close();
      }
    },
  );

  it('streams over TLS (the bytes must pass through OpenSSL) with the same bytes', async () => {
    const tls = await ensureTls(await tmp('bmcemu-sendfile-tls-'));
    const dir = await tmp('bmcemu-sendfile-tlsout-');
    await writeFile(join(dir, 'ca.pem'), tls.ca);
    const engines: string[] = [];
    const srv = await listen(
      (l) => createHttpsServer({ key: tls.key, cert: tls.cert }, l),
      (_req, res) => {
        res.setHeader('content-length', String(body.length));
        void sendBody(res, file, 0, body.length - 1, { bytes: 0 }, 'sendfile').then((e) => engines.push(e));
      },
    );
    try {
      await execFileP('curl', [
        '-s',
        '--cacert',
        join(dir, 'ca.pem'),
        '-o',
        join(dir, 'out'),
        `https://127.0.0.1:${srv.port}/`,
      ]);
      expect(sha(await readFile(join(dir, 'out')))).toBe(sha(body));
      expect(engines).toEqual(['stream']);
    } finally {
      await srv.close();
    }
  });
});
