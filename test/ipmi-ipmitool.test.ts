import { demoNodes, MemoryDriver, waitForPower } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Iface, ipmitool, run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';

const gate = requirePeers('ipmi ipmitool', [command('ipmitool')]);
const IFACES: Iface[] = ['lanplus17', 'lanplus3', 'lan'];

gate.describe('ipmitool (lanplus -C 17, -C 3, lan) against IpmiServer', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];

  beforeAll(async () => {
    driver = new MemoryDriver({ nodes: demoNodes(3), transitionMs: 20 });
    server = testIpmiServer(driver);
    eps = await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  it('ipmitool without -C asks Get Channel Cipher Suites and picks suite 17', async () => {
    const r = await run('ipmitool', [
      ...['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(eps[0]!.port), '-U', 'admin', '-P', 'password', '-vv'],
      ...['chassis', 'power', 'status'],
    ]);
    expect(r.stdout + r.stderr).toContain('Using best available cipher suite 17');
    expect(r.stdout).toContain('Chassis Power is');
    expect(r.ms).toBeLessThan(5000); // an unanswered 06/54 would cost ~10 s
  });

  IFACES.forEach((iface, i) => {
    const ep = () => eps[i]!;
    const ok = async (cmd: string) => {
      const r = await ipmitool(iface, ep().port, cmd);
      expect(r.code, `${iface} ${cmd}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };

    it(`${iface}: power on/status/cycle/reset/diag/soft/off act on the node`, async () => {
      const id = ep().nodeId;
      expect(await ok('chassis power status')).toContain('Chassis Power is off');
      expect(await ok('chassis power on')).toContain('Up/On');
      await waitForPower(driver, id, 'On', 2000);
      expect(await ok('chassis power status')).toContain('Chassis Power is on');
      const boot1 = (await driver.get(id)).lastBoot!.at;
      await new Promise((r) => setTimeout(r, 5));
      expect(await ok('chassis power cycle')).toContain('Cycle');
      const boot2 = (await driver.get(id)).lastBoot!.at;
      expect(boot2 > boot1).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
      expect(await ok('chassis power reset')).toContain('Reset');
      expect((await driver.get(id)).lastBoot!.at > boot2).toBe(true);
      expect(await ok('chassis power diag')).toContain('Diag');
      expect(await ok('chassis power soft')).toContain('Soft');
      await waitForPower(driver, id, 'Off', 2000);
      expect(await ok('chassis power status')).toContain('Chassis Power is off');
      // cycle of a powered-off chassis: "not in present state", answered at once
      const r = await ipmitool(iface, ep().port, 'chassis power cycle');
      expect(r.code).not.toBe(0);
      expect(r.stderr + r.stdout).toMatch(/present state|0xd5/i);
      expect(r.ms).toBeLessThan(3000);
      expect(await ok('chassis power on')).toContain('Up/On');
      await waitForPower(driver, id, 'On', 2000);
      expect(await ok('chassis power off')).toContain('Down/Off');
      await waitForPower(driver, id, 'Off', 2000);
    });

    it(`${iface}: chassis bootdev sets the node and bootparam get 5 reads it back exactly`, async () => {
      const id = ep().nodeId;
      const cases: [string, string, object][] = [
        ['pxe options=persistent,efiboot', 'e004000000', { target: 'Pxe', enabled: 'Continuous', mode: 'UEFI' }],
        ['disk options=efiboot', 'a008000000', { target: 'Hdd', enabled: 'Once', mode: 'UEFI' }],
        ['cdrom options=persistent', 'c014000000', { target: 'Cd', enabled: 'Continuous', mode: 'Legacy' }],
        ['bios', '8018000000', { target: 'BiosSetup', enabled: 'Once', mode: 'Legacy' }],
        ['safe options=efiboot', 'a00c000000', { target: 'Hdd', enabled: 'Once', mode: 'UEFI' }],
        ['floppy options=persistent,efiboot', 'e03c000000', { target: 'Floppy', enabled: 'Continuous', mode: 'UEFI' }],
      ];
      for (const [arg, hex, want] of cases) {
        await ok(`chassis bootdev ${arg}`);
        expect(await driver.getBootOverride(id)).toMatchObject(want);
        const out = await ok('chassis bootparam get 5');
        expect(out, arg).toContain(`Boot parameter data: ${hex}`);
      }
      // Ironic's UEFI sequence
      await ok('raw 0x00 0x08 0x03 0x08');
      await ok('raw 0x00 0x08 0x05 0xa0 0x04 0x00 0x00 0x00');
      expect(await driver.getBootOverride(id)).toMatchObject({ target: 'Pxe', enabled: 'Once', mode: 'UEFI' });
      expect(await ok('raw 0x00 0x09 0x05 0x00 0x00')).toContain('01 05 a0 04 00 00 00');
      expect(await ok('raw 0x00 0x09 0x03 0x00 0x00')).toContain('01 03 08');
      // a change made through the driver (e.g. by Redfish) is what IPMI shows
      await driver.setBootOverride(id, { target: 'Cd', enabled: 'Continuous', mode: 'UEFI' });
      expect(await ok('chassis bootparam get 5')).toContain('Boot parameter data: e014000000');
      // a once override is consumed by the next boot and the valid bit reads clear
      await ok('raw 0x00 0x08 0x05 0xa0 0x04 0x00 0x00 0x00');
      await ok('chassis power on');
      await waitForPower(driver, id, 'On', 2000);
      expect((await driver.get(id)).lastBoot).toMatchObject({ target: 'Pxe', mode: 'UEFI' });
      expect(await ok('chassis bootparam get 5')).toMatch(/Boot parameter data: 2000000000/);
      await ok('chassis power off');
      await waitForPower(driver, id, 'Off', 2000);
    });

    it(`${iface}: mc info, mc guid, chassis status, fru print, sdr list, user list, selftest`, async () => {
      const node = await driver.get(ep().nodeId);
      expect(await ok('mc info')).toMatch(/IPMI Version\s+: 2.0/);
      expect(await ok('mc guid')).toContain(node.id);
      expect(await ok('chassis status')).toMatch(/System Power\s+: off/);
      const fru = await ok('fru print');
      expect(fru).toContain(`Product Serial        : ${node.serialNumber}`);
      expect(fru).toContain(`Product Manufacturer  : ${node.manufacturer}`);
      await ok('sdr list');
      expect(await ok('user list')).toMatch(/2\s+admin\s+true\s+true\s+true\s+ADMINISTRATOR/);
      expect(await ok('mc selftest')).toContain('passed');
      expect(await ok('session info active')).toMatch(/privilege level\s+: ADMINISTRATOR/);
    });

    it(`${iface}: unknown commands get C1, bad lengths C7, bad boot params 80`, async () => {
      const c1 = await ipmitool(iface, ep().port, 'raw 0x30 0x99');
      expect(c1.stderr).toMatch(/rsp=0xc1/);
      const c7 = await ipmitool(iface, ep().port, 'raw 0x00 0x08 0x05 0xa0');
      expect(c7.stderr).toMatch(/rsp=0xc7/);
      const p80 = await ipmitool(iface, ep().port, 'raw 0x00 0x09 0x07 0x00 0x00');
      expect(p80.stderr).toMatch(/rsp=0x80/);
      const hpm = await ipmitool(iface, ep().port, 'raw 0x2c 0x3e 0x00 0x00 0x01 0x00');
      expect(hpm.stderr).toMatch(/rsp=0xc1/);
    });

    it(`${iface}: a wrong password is refused${iface === 'lan' ? '' : ' at once (RAKP, no timeout)'}`, async () => {
      const r = await ipmitool(iface, ep().port, 'chassis power status', 'wrong-password');
      expect(r.code).not.toBe(0);
      // IPMI 1.5 drops a bad MD5 Activate Session (spec), so `-I lan` waits for its own timeout
      expect(r.ms).toBeLessThan(iface === 'lan' ? 6000 : 1500);
      expect((await driver.get(ep().nodeId)).powerState).toBe('Off');
    });
  });
});
