import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDriver, sharedSettings, silentLogger } from '@bmc-emu/core';
import { afterAll, describe, expect, it } from 'vitest';
import { tftpFrontEnd, tftpSection } from '../src/index.js';

const input = (tftp: Record<string, unknown>) => ({
  init: tftpSection.parse(tftp),
  shared: sharedSettings(),
  components: { driver: new MemoryDriver(), logger: silentLogger() },
});
import { RawPeer } from './raw-peer.js';

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('tftpFrontEnd', () => {
  it('is undefined unless tftp.enabled', () => {
    expect(tftpFrontEnd(input({}))).toBeUndefined();
  });

  it('serves the root first, then the iPXE folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tftp-fe-root-'));
    const ipxe = mkdtempSync(join(tmpdir(), 'tftp-fe-ipxe-'));
    dirs.push(root, ipxe);
    writeFileSync(join(root, 'undionly.kpxe'), 'from-root');
    writeFileSync(join(ipxe, 'undionly.kpxe'), 'from-ipxe');
    writeFileSync(join(ipxe, 'snponly.efi'), 'efi-binary');
    const port = await freeUdpPort();
    const fe = tftpFrontEnd(input({ enabled: true, port, root, ipxeDir: ipxe }));
    expect(fe?.name).toBe('tftp');
    const lines = await fe!.start();
    expect(lines[0]).toContain(`tftp://127.0.0.1:${port}/`);
    const peer = await RawPeer.open();
    try {
      for (const [file, body] of [
        ['undionly.kpxe', 'from-root'],
        ['snponly.efi', 'efi-binary'],
      ]) {
        peer.send({ op: 'RRQ', filename: file!, mode: 'octet', options: {} }, port);
        const r = await peer.next();
        expect(r?.packet).toMatchObject({ op: 'DATA', block: 1 });
        expect((r!.packet as { data: Buffer }).data.toString()).toBe(body);
        peer.send({ op: 'ACK', block: 1 }, r!.from.port);
      }
    } finally {
      peer.close();
      await fe!.stop();
    }
  });
});
