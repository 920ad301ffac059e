/**
 * 100,000 mutated packets at a running server (request port, and back at the transfer ports that answer),
 * then a real client (tftp-hpa) must still fetch a file byte-identical. Seeded, so a failure can be replayed
 * with TFTP_FUZZ_SEED=<seed>.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePacket, nativeEngineAvailable, TftpServer } from '@bmc-emu/tftp';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from './support/peers.js';

const TOTAL = 100_000;
// every transfer runs once per read engine (the native one only when its addon is built; a missing addon
// fails "tftp native addon is built" under CI)
const ENGINES = nativeEngineAvailable() ? (['js', 'native'] as const) : (['js'] as const);
const gate = requirePeers('tftp fuzz + real client', [command('tftp', 'tftp-hpa')]);

/** xorshift32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const SEEDS: Buffer[] = [
  encodePacket({ op: 'RRQ', filename: 'small.bin', mode: 'octet', options: {} }),
  encodePacket({ op: 'RRQ', filename: 'boot.bin', mode: 'octet', options: { tsize: '0', blksize: '1468' } }),
  // (no `timeout` option here: a mutated one may legally ask for up to 255 s per retry and outlive the test)
  encodePacket({ op: 'RRQ', filename: 'small.bin', mode: 'netascii', options: { windowsize: '16', tsize: '0' } }),
  encodePacket({ op: 'RRQ', filename: 'sub/../small.bin', mode: 'octet', options: { blksize: '65464' } }),
  encodePacket({ op: 'WRQ', filename: 'up.bin', mode: 'octet', options: { tsize: '100' } }),
  encodePacket({ op: 'ACK', block: 1 }),
  encodePacket({ op: 'DATA', block: 1, data: Buffer.from('abc') }),
  encodePacket({ op: 'ERROR', code: 8, message: 'abort' }),
  encodePacket({ op: 'OACK', options: { blksize: '512' } }),
];

function mutate(src: Buffer, next: () => number): Buffer {
  let b = Buffer.from(src);
  const n = 1 + (next() % 4);
  for (let i = 0; i < n; i++) {
    const at = b.length > 0 ? next() % b.length : 0;
    switch (next() % 7) {
      case 0:
        if (b.length > 0) b[at] = next() & 0xff;
        break;
      case 1:
        if (b.length > 0) b[at] = b[at]! ^ (1 << (next() % 8));
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        b = Buffer.concat([b, Buffer.from(Array.from({ length: next() % 64 }, () => next() & 0xff))]);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0]), b.subarray(at)]);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 8), b.subarray(at)]);
        break;
      default:
        if (b.length >= 2) b.writeUInt16BE(next() % 9, 0); // any opcode, incl. invalid 0, 7, 8
    }
  }
  return b.length > 1500 ? b.subarray(0, 1500) : b;
}

for (const engine of ENGINES)
  gate.describe(`TFTP: 100,000 mutated packets, then a real client (${engine} engine)`, () => {
    let dir: string;
    let server: TftpServer;
    const boot = randomBytes(256 * 1024);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tftp-fuzz-'));
      writeFileSync(join(dir, 'small.bin'), randomBytes(3000));
      writeFileSync(join(dir, 'boot.bin'), boot);
      server = new TftpServer({
        bind: '127.0.0.1',
        port: 0,
        root: dir,
        timeoutMs: 100,
        maxRetries: 2,
        maxTransfers: 256,
        engine,
      });
      await server.start();
    });
    afterAll(async () => {
      await server?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('keeps serving', { timeout: 120_000 }, async () => {
      const seed = Number(process.env.TFTP_FUZZ_SEED ?? Date.now() % 2 ** 31);
      const next = rng(seed);
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      let answers = 0;
      let backfire = 0;
      sock.on('message', (_msg, from) => {
        answers++;
        // answer transfer ports with garbage too (bounded), from the right TID
        if (from.port !== server.port && backfire < 20_000) {
          backfire++;
          sock.send(mutate(SEEDS[5 + (next() % 4)]!, next), from.port, '127.0.0.1');
        }
      });
      const t0 = Date.now();
      for (let i = 0; i < TOTAL; i++) {
        sock.send(mutate(SEEDS[next() % SEEDS.length]!, next), server.port, '127.0.0.1');
        // same event loop as the server: pace so the socket buffer never overflows and every packet is read
        if (i % 16 === 15) await new Promise((r) => setImmediate(r));
        while (i + 1 - server.counters.received > 2048) await new Promise((r) => setImmediate(r));
      }
      const sendSecs = (Date.now() - t0) / 1000;
      // let the transfers the fuzz opened run out (100 + 200 + 400 ms of retries at most)
      const deadline = Date.now() + 10_000;
      while (server.counters.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      sock.close();
      const c = server.counters;
      console.log(
        `fuzz seed ${seed}: ${TOTAL} packets in ${sendSecs.toFixed(1)} s, ${answers} answers, ${backfire} sent back at transfer ports; ` +
          `counters ${JSON.stringify(c)}`,
      );
      expect(c.active).toBe(0);
      expect(c.received).toBe(TOTAL); // every mutated packet reached the server
      expect(c.badPackets).toBeGreaterThan(TOTAL / 10);
      expect(answers).toBeGreaterThan(TOTAL / 10);

      const out = join(dir, 'got.bin');
      await execa('tftp', ['127.0.0.1', String(server.port), '-m', 'binary', '-c', 'get', 'boot.bin', out], {
        timeout: 20_000,
      });
      expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(
        createHash('sha256').update(boot).digest('hex'),
      );
    });
  });
