/**
 * A BMC registered live on a port an unregistered node of the running server holds: the unregistered
 * node moves to a free slot at once, and the registered node gets exactly its port when it appears
 * (what `lab up` relies on when a serve already runs with other domains in the way).
 */
import { demoNodes, makeNode, MemoryDriver, MutableBmcDirectory } from '@bmc-emu/core';
import { IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool, ipmitoolArgs, run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';
import { freeUdpRange } from './support/serve-process.js';

const gate = requirePeers('a registered port claimed live (ipmitool)', [command('ipmitool')]);

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

gate.describe('a live registration claims a port an unregistered node holds', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let directory: MutableBmcDirectory;
  let base: number;

  beforeAll(async () => {
    base = await freeUdpRange(4);
    driver = new MemoryDriver({ nodes: demoNodes(2) });
    directory = new MutableBmcDirectory();
    server = new IpmiServer({ driver, basePort: base, user: 'admin', password: 'password', directory });
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  it('moves the unregistered node off, then opens the registered one there with its account', async () => {
    const [, second] = await driver.list();
    expect(server.list().map((e) => [e.name, e.port])).toEqual([
      ['node-0', base],
      ['node-1', base + 1],
    ]);
    await directory.set([{ node: 'lab-x', port: base + 1, user: 'lx', password: 'lx-pass', active: true }]);
    const moved = server.list().find((e) => e.nodeId === second!.id)!;
    expect(moved.port).toBe(base + 2);
    expect((await ipmitool('lanplus17', base + 2, 'chassis power status')).stdout).toMatch(/Chassis Power is/);

    driver.addNode(makeNode({ name: 'lab-x', cpu: { count: 1, arch: 'x86_64', model: 'qemu64' }, memoryMiB: 256 }));
    await until(() => server.list().some((e) => e.name === 'lab-x'), 5_000);
    expect(server.list().find((e) => e.name === 'lab-x')?.port).toBe(base + 1);
    const r = await run('ipmitool', [...ipmitoolArgs('lanplus17', base + 1, 'lx-pass', 'lx'), 'power', 'status']);
    expect(r.stdout).toMatch(/Chassis Power is/);
  });
});
