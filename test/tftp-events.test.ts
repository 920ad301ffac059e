/** A finished TFTP transfer (real curl and tftp-hpa clients) is published as one `tftp` event with its bytes. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type RackEvent } from '@bmc-emu/core';
import { TftpServer } from '@bmc-emu/tftp';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('tftp events', [command('curl')]);

gate.describe('TFTP transfers on the event bus', () => {
  const bus = new EventBus();
  const seen: RackEvent[] = [];
  let dir: string;
  let server: TftpServer;
  let port: number;

  beforeAll(async () => {
    bus.subscribe((e) => void seen.push(e));
    dir = mkdtempSync(join(tmpdir(), 'tftp-events-'));
    writeFileSync(join(dir, 'small.txt'), 'hello from bmc-emu\n');
    server = new TftpServer({ bind: '127.0.0.1', port: 0, root: dir, events: bus });
    port = (await server.start()).port;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the file, bytes, time and peer of a completed transfer', async () => {
    seen.length = 0;
    const r = await execa('curl', ['-s', `tftp://127.0.0.1:${port}/small.txt`]);
    expect(r.stdout).toBe('hello from bmc-emu');
    await new Promise((res) => setTimeout(res, 50));
    const tftp = seen.filter((e) => e.kind === 'tftp');
    expect(tftp).toHaveLength(1);
    expect(tftp[0]).toMatchObject({ file: 'small.txt', bytes: 19 });
    expect((tftp[0] as { peer: string }).peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((tftp[0] as { error?: string }).error).toBeUndefined();
  });
});
