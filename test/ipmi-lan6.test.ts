import { demoNodes, MemoryDriver, Telemetry } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitoolArgs, run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('IPv6 LAN parameters (ipmitool lan6)', [command('ipmitool')]);

for (const bind of ['::1', '127.0.0.1'] as const) {
  gate.describe(`ipmitool lan6 print 1 on a BMC bound to ${bind}`, () => {
    let driver: MemoryDriver;
    let telemetry: Telemetry;
    let server: IpmiServer;
    let eps: EndpointInfo[];

    beforeAll(async () => {
      driver = new MemoryDriver({ nodes: demoNodes(1) });
      telemetry = new Telemetry({ driver, scanIntervalMs: 0 });
      server = new IpmiServer({ driver, basePort: 0, bind, user: 'admin', password: 'password', telemetry });
      eps = await server.start();
    });
    afterAll(async () => {
      await server?.stop();
      await telemetry?.close();
      await driver?.close();
    });

    const tool = (...args: string[]) =>
      run('ipmitool', [...ipmitoolArgs('lanplus17', eps[0]!.port).map((a) => (a === '127.0.0.1' ? bind : a)), ...args]);

    it('shows the address the BMC answers on and the enables of its bind; the same as Redfish would show', async () => {
      const r = await tool('lan6', 'print', '1');
      expect(r.code, r.stderr).toBe(0);
      if (bind === '::1') {
        expect(r.stdout).toMatch(/IPv6\/IPv4 Addressing Enables: ipv6/);
        expect(r.stdout).toMatch(/IPv6 Static Address 0:\s+Enabled:\s+yes\s+Address:\s+::1\/128\s+Status:\s+active/);
        expect(telemetry.lan(eps[0]!.nodeId).ipv6).toEqual({ address: '::1', prefixLength: 128 });
      } else {
        expect(r.stdout).toMatch(/IPv6\/IPv4 Addressing Enables: ipv4/);
        expect(r.stdout).toMatch(/IPv6 Static Address 0:\s+Enabled:\s+no/);
        expect(telemetry.lan(eps[0]!.nodeId).ipv6).toBeUndefined();
      }
      expect(r.stdout).toMatch(/IPv6 Status:\s+Static address max:\s+1\s+Dynamic address max: 0/);
      expect(r.stdout).not.toMatch(/Failed to get/);
    });

    it('a write it cannot apply says so (82h read-only, 80h unsupported); the same value is accepted', async () => {
      const other = bind === '::1' ? 'ipv4' : 'ipv6';
      const refused = await tool('lan6', 'set', '1', 'nolock', 'enables', other);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/Parameter is read-only/);
      const same = await tool('lan6', 'set', '1', 'nolock', 'enables', bind === '::1' ? 'ipv6' : 'ipv4');
      expect(same.code, same.stderr).toBe(0);
      const dyn = await tool('raw', '0x0c', '0x01', '0x01', '58', '0', '0');
      expect(dyn.stderr).toMatch(/rsp=0x80/);
      const status = await tool('raw', '0x0c', '0x01', '0x01', '55', '1', '0', '0');
      expect(status.stderr).toMatch(/rsp=0x82/);
    });
  });
}
