/** IPMI over IPv6 loopback: every ipmitool interface against BMCs bound to ::1. */
import { demoNodes, MemoryDriver, waitForPower } from '@bmc-emu/core';
import { describeEndpoints, type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('ipmi over IPv6 (::1)', [command('ipmitool')]);
const IFACES: [string, string[]][] = [
  ['lanplus -C 17', ['-I', 'lanplus', '-C', '17']],
  ['lanplus -C 3', ['-I', 'lanplus', '-C', '3']],
  ['lan (1.5 MD5)', ['-I', 'lan']],
];

gate.describe('IpmiServer bound to ::1, driven by ipmitool -H ::1', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];

  beforeAll(async () => {
    driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 20 });
    server = new IpmiServer({ driver, bind: '::1', basePort: 0, user: 'admin', password: 'password' });
    eps = await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  const ipmitool = (iface: string[], n: number, ...cmd: string[]) =>
    run('ipmitool', [...iface, '-H', '::1', '-p', String(eps[n]!.port), '-U', 'admin', '-P', 'password', ...cmd]);

  it('every BMC listens on ::1 and the serve line says so', () => {
    expect(eps.map((e) => e.address)).toEqual(['::1', '::1']);
    expect(describeEndpoints('::1', eps, true)).toMatch(/^ipmi udp \[::1\]:\d+-\d+ \(2 BMCs/);
  });

  for (const [label, iface] of IFACES) {
    it(`${label}: each BMC answers with its own GUID, power and boot device reach the node`, async () => {
      for (const n of [0, 1]) {
        const guid = await ipmitool(iface, n, 'mc', 'guid');
        expect(guid.code, guid.stderr).toBe(0);
        expect(guid.stdout).toContain(eps[n]!.nodeId);
      }
      const id = eps[1]!.nodeId;
      expect((await ipmitool(iface, 1, 'chassis', 'bootdev', 'pxe', 'options=efiboot')).code).toBe(0);
      expect(await driver.getBootOverride(id)).toMatchObject({ target: 'Pxe', enabled: 'Once', mode: 'UEFI' });
      expect((await ipmitool(iface, 1, 'chassis', 'power', 'on')).code).toBe(0);
      expect((await waitForPower(driver, id, 'On', 3000)).lastBoot?.target).toBe('Pxe');
      expect((await ipmitool(iface, 1, 'chassis', 'power', 'off')).code).toBe(0);
      await waitForPower(driver, id, 'Off', 3000);
      expect((await driver.get(eps[0]!.nodeId)).powerState).toBe('Off');
    });
  }
});
