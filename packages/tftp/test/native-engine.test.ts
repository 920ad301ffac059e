/**
 * What the native engine needs beyond the shared server suite (which runs once per engine): the addon is
 * built, abort from JS, lock-step rollover, duplicate ACKs never duplicate DATA (counted by the addon),
 * IPv6, file read errors, garbage on the transfer port, and no descriptor left open afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DataPacket, decodePacket, encodePacket, nativeEngineAvailable, TftpServer } from '../src/index.js';
import { NativeReadTransfer, type NativeReadSettings } from '../src/native-read-transfer.js';
import { RawPeer } from './raw-peer.js';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const built = nativeEngineAvailable();

describe('tftp native addon', () => {
  if (!built && !IN_CI) {
    it.skip('is built: NOT BUILT here (npm rebuild @bmc-emu/tftp); this fails under CI=true', () => {});
    return;
  }
  it('is built (npm install runs node-gyp for @bmc-emu/tftp)', () => {
    expect(built).toBe(true);
  });
});

const openFds = () => readdirSync('/proc/self/fd').length;

describe.runIf(built)('native read engine', () => {
  let dir: string;
  const small = randomBytes(512 * 20 + 100);
  const fds: number[] = [];
  const peers: RawPeer[] = [];
  const servers: TftpServer[] = [];
  const socks: Socket[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tftp-native-'));
    writeFileSync(join(dir, 'small.bin'), small);
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    for (const s of servers.splice(0)) await s.stop();
    for (const s of socks.splice(0)) s.close();
    for (const fd of fds.splice(0)) closeSync(fd);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function peer(): Promise<RawPeer> {
    const p = await RawPeer.open();
    peers.push(p);
    return p;
  }
  function fdOf(name: string): number {
    const fd = openSync(join(dir, name), 'r');
    fds.push(fd);
    return fd;
  }
  function transfer(p: RawPeer, over: Partial<NativeReadSettings> = {}): NativeReadTransfer {
    return new NativeReadTransfer({
      fd: fdOf('small.bin'),
      bind: '127.0.0.1',
      peer: '127.0.0.1',
      port: p.sock.address().port,
      blksize: 512,
      windowsize: 1,
      timeoutMs: 2000,
      maxRetries: 3,
      backoff: false,
      tsizeRequested: false,
      ...over,
    });
  }

  it("answers every ACK three times over with exactly one DATA each (Sorcerer's Apprentice, counted)", async () => {
    const a = await peer();
    const t = transfer(a);
    const outcome = t.start();
    for (;;) {
      const r = await a.next();
      const d = r!.packet as DataPacket;
      for (let i = 0; i < 3; i++) a.send({ op: 'ACK', block: d.block }, r!.from.port);
      if (d.data.length < 512) break;
    }
    expect(await outcome).toEqual({ kind: 'complete', bytes: small.length, blocks: 21 });
    expect(await a.drain(200)).toEqual([]);
    expect(t.dataSends).toBe(21);
    expect(t.heardFromClient).toBe(true);
  });

  it('ignores garbage on the transfer port and keeps going', async () => {
    const a = await peer();
    const t = transfer(a);
    const outcome = t.start();
    const parts: Buffer[] = [];
    for (;;) {
      const r = await a.next();
      const d = r!.packet as DataPacket;
      parts.push(Buffer.from(d.data));
      a.send(Buffer.from([0xff]), r!.from.port);
      a.send(Buffer.from([0, 1, 0x41, 0]), r!.from.port); // an RRQ-looking packet
      a.send(Buffer.from([0, 3, 0, 1, 9, 9]), r!.from.port); // DATA
      a.send({ op: 'ACK', block: d.block }, r!.from.port);
      if (d.data.length < 512) break;
    }
    expect((await outcome).kind).toBe('complete');
    expect(Buffer.concat(parts).equals(small)).toBe(true);
    expect(t.dataSends).toBe(21);
  });

  it('rolls block numbers over 65535 -> 0 in lock-step', { timeout: 30_000 }, async () => {
    const big = randomBytes(8 * 65_540 + 3);
    writeFileSync(join(dir, 'roll.bin'), big);
    const a = await peer();
    const t = transfer(a, { fd: fdOf('roll.bin'), blksize: 8, timeoutMs: 5000 });
    const outcome = t.start();
    const parts: Buffer[] = [];
    let expected = 1;
    let sawWrap = false;
    for (;;) {
      const r = await a.next(5000);
      const d = r!.packet as DataPacket;
      expect(d.block).toBe(expected & 0xffff);
      if (d.block === 0) sawWrap = true;
      parts.push(Buffer.from(d.data));
      a.send({ op: 'ACK', block: d.block }, r!.from.port);
      expected++;
      if (d.data.length < 8) break;
    }
    expect(sawWrap).toBe(true);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
    expect(await outcome).toEqual({ kind: 'complete', bytes: big.length, blocks: 65_541 });
  });

  it('a file that cannot be read ends with an ERROR packet and a failed outcome', async () => {
    const a = await peer();
    const dirFd = openSync(dir, 'r'); // pread on a directory: EISDIR
    fds.push(dirFd);
    const t = transfer(a, { fd: dirFd });
    expect((await a.next())?.packet).toEqual({ op: 'ERROR', code: 1, message: 'File not found' });
    expect(await t.start()).toMatchObject({ kind: 'failed', message: expect.stringMatching(/directory/i) });
  });

  it('serves over IPv6 (::1) with an OACK first', async () => {
    const s = new TftpServer({ bind: '::1', port: 0, root: dir, engine: 'native' });
    servers.push(s);
    await s.start();
    const c = createSocket('udp6');
    socks.push(c);
    await new Promise<void>((r) => c.bind(0, '::1', () => r()));
    const got: { buf: Buffer; port: number }[] = [];
    let wake: (() => void) | undefined;
    c.on('message', (buf, from) => {
      got.push({ buf, port: from.port });
      wake?.();
    });
    const next = async () => {
      for (let i = 0; got.length === 0 && i < 100; i++) await new Promise<void>((r) => ((wake = r), setTimeout(r, 20)));
      return got.shift()!;
    };
    c.send(
      encodePacket({ op: 'RRQ', filename: 'small.bin', mode: 'octet', options: { blksize: '1024' } }),
      s.port,
      '::1',
    );
    const oack = await next();
    expect(decodePacket(oack.buf)).toEqual({ op: 'OACK', options: { blksize: '1024' } });
    c.send(encodePacket({ op: 'ACK', block: 0 }), oack.port, '::1');
    const parts: Buffer[] = [];
    for (;;) {
      const r = await next();
      const d = decodePacket(r.buf) as DataPacket;
      parts.push(Buffer.from(d.data));
      c.send(encodePacket({ op: 'ACK', block: d.block }), r.port, '::1');
      if (d.data.length < 1024) break;
    }
    expect(Buffer.concat(parts).equals(small)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.counters).toMatchObject({ completed: 1, nativeReads: 1 });
  });

  it('server stop() aborts a transfer with ERROR 0 within 100 ms, and no descriptor stays open', async () => {
    const before = openFds();
    const s = new TftpServer({ bind: '127.0.0.1', port: 0, root: dir, engine: 'native', timeoutMs: 10_000 });
    await s.start();
    const a = await peer();
    a.send({ op: 'RRQ', filename: 'small.bin', mode: 'octet', options: {} }, s.port);
    const first = await a.next();
    expect((first?.packet as DataPacket).block).toBe(1);
    expect(openFds()).toBeGreaterThanOrEqual(before + 2); // request socket + transfer socket (+ the file)
    const t0 = performance.now();
    await s.stop();
    const err = await a.next(1000);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(err?.packet).toEqual({ op: 'ERROR', code: 0, message: 'Server shutting down' });
    a.close();
    peers.length = 0;
    await new Promise((r) => setTimeout(r, 50));
    expect(openFds()).toBe(before);
  });

  it('closes the file and the transfer socket after each transfer (/proc/self/fd)', async () => {
    const s = new TftpServer({ bind: '127.0.0.1', port: 0, root: dir, engine: 'native' });
    servers.push(s);
    await s.start();
    const a = await peer();
    const before = openFds();
    for (let i = 0; i < 3; i++) {
      a.send({ op: 'RRQ', filename: 'small.bin', mode: 'octet', options: { tsize: '0' } }, s.port);
      const oack = await a.next();
      a.send({ op: 'ACK', block: 0 }, oack!.from.port);
      for (;;) {
        const r = await a.next();
        const d = r!.packet as DataPacket;
        a.send({ op: 'ACK', block: d.block }, r!.from.port);
        if (d.data.length < 512) break;
      }
    }
    a.send({ op: 'RRQ', filename: 'small.bin', mode: 'octet', options: { tsize: '0' } }, s.port);
    const probe = await a.next();
    a.send({ op: 'ERROR', code: 8, message: 'probe' }, probe!.from.port);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.counters).toMatchObject({ completed: 3, sizeProbes: 1, nativeReads: 4 });
    expect(openFds()).toBe(before);
  });
});
