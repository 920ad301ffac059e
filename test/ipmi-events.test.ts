/** Every IPMI answer is published to the rack event stream: netFn/cmd, cc, session kind, user and node. */
import { demoNodes, EventBus, MemoryDriver, type RackEvent } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool } from '../packages/ipmi/test/support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('ipmi events', [command('ipmitool')]);

gate.describe('IPMI commands on the event bus', () => {
  const bus = new EventBus();
  const seen: RackEvent[] = [];
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];

  beforeAll(async () => {
    bus.subscribe((e) => void seen.push(e));
    driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 20 });
    server = testIpmiServer(driver, { events: bus });
    eps = await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  it('publishes ipmitool lanplus and lan commands with their session kind, user and node', async () => {
    const ep = eps[1]!;
    for (const iface of ['lanplus17', 'lan'] as const) {
      seen.length = 0;
      const r = await ipmitool(iface, ep.port, 'chassis power status');
      expect(r.code, r.stderr).toBe(0);
      await new Promise((res) => setImmediate(res));
      const ipmi = seen.filter((e) => e.kind === 'ipmi');
      const status = ipmi.filter((e) => e.netFn === 0x00 && e.cmd === 0x01);
      expect(status).toHaveLength(1);
      expect(status[0]).toMatchObject({
        node: ep.nodeId,
        cc: 0,
        user: 'admin',
        session: iface === 'lan' ? '1.5' : '2.0',
      });
      // Get Channel Authentication Capabilities comes before any session
      expect(ipmi.some((e) => e.netFn === 0x06 && e.cmd === 0x38 && e.session === 'none')).toBe(true);
      expect(ipmi.every((e) => e.node === ep.nodeId)).toBe(true);
    }
  });

  it('publishes a refused command with its completion code', async () => {
    seen.length = 0;
    const r = await ipmitool('lanplus17', eps[0]!.port, 'raw 0x30 0x99');
    expect(r.code).not.toBe(0);
    await new Promise((res) => setImmediate(res));
    const raw = seen.filter((e) => e.kind === 'ipmi' && e.netFn === 0x30 && e.cmd === 0x99);
    expect(raw).toHaveLength(1);
    expect((raw[0] as { cc: number }).cc).not.toBe(0);
  });
});
