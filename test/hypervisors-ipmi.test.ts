/** ipmitool against the IPMI front end over a HypervisorSet: a down hypervisor's BMC answers 0xC0, the others answer. */
import { HypervisorSet, MemoryDriver, makeNode } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';
import { type SwitchableDriver, switchable } from './support/switchable-driver.js';

const gate = requirePeers('ipmi over several hypervisors', [command('ipmitool')]);

gate.describe('IPMI over several hypervisors (memory members, real ipmitool)', () => {
  let set: HypervisorSet;
  let server: IpmiServer;
  let a: SwitchableDriver;
  let inner: MemoryDriver;
  let eps: EndpointInfo[];
  const port = (name: string) => eps.find((e) => e.name === name)!.port;

  beforeAll(async () => {
    inner = new MemoryDriver({ nodes: [makeNode({ name: 'a-0' })], transitionMs: 20 });
    a = switchable(inner);
    const b = new MemoryDriver({ nodes: [makeNode({ name: 'b-0' })], transitionMs: 20 });
    set = new HypervisorSet({
      members: [
        { name: 'rack-a', uri: 'test://a', driver: a },
        { name: 'rack-b', uri: 'test://b', driver: b },
      ],
      probeIntervalMs: 100,
      maxProbeIntervalMs: 200,
    });
    await set.start();
    server = new IpmiServer({ driver: set, basePort: 0, user: 'admin', password: 'password' });
    eps = await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await set?.close();
  });

  it('answers node busy (0xC0) for the down hypervisor only, and again normally once it is back', async () => {
    expect((await ipmitool('lanplus17', port('a-0'), 'chassis power status')).stdout).toMatch(/Chassis Power is off/);
    a.mode = 'down';
    const busy = await ipmitool('lanplus17', port('a-0'), 'chassis power status');
    expect(busy.code).not.toBe(0);
    expect(`${busy.stdout}${busy.stderr}`).toMatch(/busy/i);
    const ctl = await ipmitool('lanplus17', port('a-0'), 'chassis power on');
    expect(`${ctl.stdout}${ctl.stderr}`).toMatch(/busy/i);
    const other = await ipmitool('lanplus17', port('b-0'), 'chassis power on');
    expect(other.code, other.stderr).toBe(0);
    // a node created on rack-a while it was down gets its BMC when rack-a re-joins
    a.mode = 'up';
    inner.addNode(makeNode({ name: 'a-late' }));
    const deadline = Date.now() + 5_000;
    while (!server.list().some((e) => e.name === 'a-late') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    eps = server.list();
    expect((await ipmitool('lanplus17', port('a-0'), 'chassis power status')).stdout).toMatch(/Chassis Power is off/);
    expect((await ipmitool('lanplus17', port('a-late'), 'chassis power status')).stdout).toMatch(
      /Chassis Power is off/,
    );
  }, 60_000);
});
