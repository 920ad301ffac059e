/** Each boot-HTTP request (real curl) reaches the rack event stream as one `http` event. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootHttpFrontEnd } from '@bmc-emu/boot-http';
import { demoNodes, EventBus, type FrontEnd, MemoryDriver, type RackEvent } from '@bmc-emu/core';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { frontEndInput } from './support/front-end-input.js';
import { freePort } from './support/ironic.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('boot-http events', [command('curl')]);

gate.describe('boot-HTTP requests on the event bus', () => {
  const bus = new EventBus();
  const seen: RackEvent[] = [];
  let dir: string;
  let driver: MemoryDriver;
  let fe: FrontEnd;
  let base: string;

  beforeAll(async () => {
    bus.subscribe((e) => void seen.push(e));
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-http-events-'));
    await writeFile(join(dir, 'hello.txt'), 'hello boot\n');
    driver = new MemoryDriver({ nodes: demoNodes(1) });
    const input = frontEndInput(
      { stateDir: join(dir, 'state'), http: { enabled: true, port: await freePort(), root: dir } },
      'http',
      driver,
    );
    fe = bootHttpFrontEnd({ ...input, components: { ...input.components, events: bus } })!;
    const [line] = await fe.start();
    base = /boot-http (\S+)\/boot\.ipxe/.exec(line!)![1]!;
  });
  afterAll(async () => {
    await fe?.stop();
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes path, status, bytes and peer of a served file and of a 404', async () => {
    seen.length = 0;
    const ok = await execa('curl', ['-s', `${base}/files/hello.txt`]);
    expect(ok.stdout).toBe('hello boot');
    await execa('curl', ['-s', '-o', '/dev/null', `${base}/files/missing.txt`]);
    await new Promise((r) => setTimeout(r, 100));
    const http = seen.filter((e): e is Extract<RackEvent, { kind: 'http' }> => e.kind === 'http');
    expect(http).toHaveLength(2);
    expect(http[0]).toMatchObject({ path: '/files/hello.txt', status: 200, bytes: 11, peer: '127.0.0.1' });
    expect(http[1]).toMatchObject({ path: '/files/missing.txt', status: 404 });
  });
});
