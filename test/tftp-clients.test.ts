/**
 * Real TFTP clients against our server on 127.0.0.1: tftp-hpa, atftp (blksize 1468, windowsize 16),
 * curl, and the npm `tftp` client each fetch the same 32 MiB file and must get identical bytes.
 * 32 MiB at 512 bytes is 65,537 blocks, so the tftp-hpa run also crosses the block-number rollover.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeEngineAvailable, TftpServer } from '@bmc-emu/tftp';
import { execa } from 'execa';
// @ts-expect-error the npm tftp client ships no types; used here only as an extra client
import tftpClient from 'tftp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from './support/peers.js';

const SIZE = 32 * 1024 * 1024;
// every transfer runs once per read engine (the native one only when its addon is built; a missing addon
// fails "tftp native addon is built" under CI)
const ENGINES = nativeEngineAvailable() ? (['js', 'native'] as const) : (['js'] as const);
const gate = requirePeers('tftp clients', [command('tftp', 'tftp-hpa'), command('atftp'), command('curl')]);

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

for (const engine of ENGINES)
  gate.describe(`TFTP: real clients fetch 32 MiB byte-identical (${engine} engine)`, () => {
    let dir: string;
    let server: TftpServer;
    let port: number;
    let want: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tftp-clients-'));
      const body = randomBytes(SIZE);
      want = createHash('sha256').update(body).digest('hex');
      writeFileSync(join(dir, 'big.bin'), body);
      writeFileSync(join(dir, 'small.txt'), 'hello from bmc-emu\n');
      server = new TftpServer({ bind: '127.0.0.1', port: 0, root: dir, maxBlksize: 65464, engine });
      port = (await server.start()).port;
    });
    afterAll(async () => {
      await server?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const out = (name: string) => join(dir, `out-${name}`);

    it('all four clients at once, memory stays flat', { timeout: 120_000 }, async () => {
      const base = process.memoryUsage();
      let peakRss = base.rss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 50);
      const t0 = Date.now();
      const opts = { timeout: 100_000 };
      await Promise.all([
        execa('tftp', ['127.0.0.1', String(port), '-m', 'binary', '-c', 'get', 'big.bin', out('hpa')], opts),
        execa(
          'atftp',
          [
            '--option',
            'blksize 1468',
            '--option',
            'windowsize 16',
            '-g',
            '-r',
            'big.bin',
            '-l',
            out('atftp'),
            '127.0.0.1',
            String(port),
          ],
          opts,
        ),
        execa('curl', ['-sS', '--tftp-blksize', '1468', '-o', out('curl'), `tftp://127.0.0.1:${port}/big.bin`], opts),
        new Promise<void>((resolve, reject) => {
          const c = tftpClient.createClient({ host: '127.0.0.1', port, blockSize: 1468, windowSize: 4 });
          c.get('big.bin', out('npm'), (err: Error | undefined) => (err ? reject(err) : resolve()));
        }),
      ]);
      clearInterval(sampler);
      const secs = (Date.now() - t0) / 1000;
      console.log(`4 x 32 MiB in ${secs.toFixed(2)} s; rss +${((peakRss - base.rss) / 2 ** 20).toFixed(1)} MiB`);
      for (const c of ['hpa', 'atftp', 'curl', 'npm']) expect(await sha256(out(c)), c).toBe(want);
      // 4 x 32 MiB in flight: buffering whole files would add >= 128 MiB
      expect(peakRss - base.rss).toBeLessThan(64 * 2 ** 20);
      expect(server.counters).toMatchObject({
        completed: 4,
        failed: 0,
        active: 0,
        nativeReads: engine === 'native' ? 4 : 0,
      });
    });

    it(
      'curl with the default 512-byte blocks (tsize + blksize negotiation, rollover)',
      { timeout: 60_000 },
      async () => {
        await execa('curl', ['-sS', '-o', out('curl512'), `tftp://127.0.0.1:${port}/big.bin`], { timeout: 50_000 });
        expect(await sha256(out('curl512'))).toBe(want);
      },
    );

    it('tftp-hpa gets "Error code 2" for traversal and for a put (writes disabled)', async () => {
      const get = await execa('tftp', ['127.0.0.1', String(port), '-c', 'get', '../../etc/passwd', out('passwd')], {
        reject: false,
        timeout: 10_000,
      });
      expect(get.stdout + get.stderr).toMatch(/Error code 2/);
      const put = await execa('tftp', ['127.0.0.1', String(port), '-c', 'put', join(dir, 'small.txt'), 'up.txt'], {
        reject: false,
        timeout: 10_000,
      });
      expect(put.stdout + put.stderr).toMatch(/Error code 2/);
      expect(existsSync(join(dir, 'up.txt'))).toBe(false);
    });

    it('atftp gets "File not found" (ERROR 1) for a missing file and the server keeps serving', async () => {
      const r = await execa('atftp', ['-g', '-r', 'missing.bin', '-l', out('missing'), '127.0.0.1', String(port)], {
        reject: false,
        timeout: 10_000,
      });
      expect(r.stdout + r.stderr).toMatch(/File not found/i);
      const ok = await execa('atftp', ['-g', '-r', 'small.txt', '-l', out('small'), '127.0.0.1', String(port)], {
        timeout: 10_000,
      });
      expect(ok.exitCode).toBe(0);
    });

    it('with allowWrite, tftp-hpa put and atftp put (blksize 1468) store new files byte-identical', async () => {
      const upDir = mkdtempSync(join(tmpdir(), 'tftp-up-'));
      const w = new TftpServer({ bind: '127.0.0.1', port: 0, root: upDir, allowWrite: true, engine });
      const { port: pw } = await w.start();
      try {
        const src = join(dir, 'up-src.bin');
        writeFileSync(src, randomBytes(300_000));
        await execa('tftp', ['127.0.0.1', String(pw), '-m', 'binary', '-c', 'put', src, 'a.bin'], { timeout: 20_000 });
        await execa('atftp', ['--option', 'blksize 1468', '-p', '-l', src, '-r', 'b.bin', '127.0.0.1', String(pw)], {
          timeout: 20_000,
        });
        await new Promise((r) => setTimeout(r, 100));
        const want = await sha256(src);
        expect(await sha256(join(upDir, 'a.bin'))).toBe(want);
        expect(await sha256(join(upDir, 'b.bin'))).toBe(want);
      } finally {
        await w.stop();
        rmSync(upDir, { recursive: true, force: true });
      }
    });

    it('serves IPv6 (bound to ::1): curl and tftp-hpa -6', async () => {
      const v6 = new TftpServer({ bind: '::1', port: 0, root: dir, engine });
      const { port: p6 } = await v6.start();
      try {
        await execa('curl', ['-sS', '-o', out('v6curl'), `tftp://[::1]:${p6}/small.txt`], { timeout: 10_000 });
        await execa('tftp', ['-6', '::1', String(p6), '-m', 'binary', '-c', 'get', 'small.txt', out('v6hpa')], {
          timeout: 10_000,
        });
        const { readFileSync } = await import('node:fs');
        expect(readFileSync(out('v6curl'), 'utf8')).toBe('hello from bmc-emu\n');
        expect(readFileSync(out('v6hpa'), 'utf8')).toBe('hello from bmc-emu\n');
        expect(v6.counters.nativeReads).toBe(engine === 'native' ? 2 : 0);
      } finally {
        await v6.stop();
      }
    });

    it('tftp-hpa netascii get converts line ends back', async () => {
      await execa('tftp', ['127.0.0.1', String(port), '-m', 'netascii', '-c', 'get', 'small.txt', out('ascii')], {
        timeout: 10_000,
      });
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(out('ascii'), 'utf8')).toBe('hello from bmc-emu\n');
    });
  });
