/**
 * Without the addon: 'native' refuses to start with the fix in its message, 'auto' serves on the JS engine.
 * The addon is built on this machine, so its loader is replaced here by one that reports it missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DataPacket, TftpServer } from '../src/index.js';
import { RawPeer } from './raw-peer.js';

vi.mock('../src/native-read-transfer.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/native-read-transfer.js')>()),
  nativeEngineAvailable: () => false,
  nativeEngineError: () => 'Cannot find module tftp_native.node',
}));

describe('TFTP server without the native addon', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tftp-noaddon-'));
    writeFileSync(join(dir, 'x'), 'x');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("engine 'native' fails at start, naming the missing addon and the rebuild command", async () => {
    const s = new TftpServer({ bind: '127.0.0.1', port: 0, root: dir, engine: 'native' });
    await expect(s.start()).rejects.toThrow(/tftp_native addon.*Cannot find module.*npm rebuild @bmc-emu\/tftp/);
  });

  it("engine 'auto' serves octet reads on the JS engine", async () => {
    const s = new TftpServer({ bind: '127.0.0.1', port: 0, root: dir });
    await s.start();
    const a = await RawPeer.open();
    try {
      expect(s.readEngine).toBe('js');
      a.send({ op: 'RRQ', filename: 'x', mode: 'octet', options: {} }, s.port);
      const r = await a.next();
      expect((r?.packet as DataPacket).data.toString()).toBe('x');
      a.send({ op: 'ACK', block: 1 }, r!.from.port);
      await new Promise((res) => setTimeout(res, 50));
      expect(s.counters).toMatchObject({ completed: 1, nativeReads: 0 });
    } finally {
      a.close();
      await s.stop();
    }
  });
});
