/**
 * Boot flag valid bit (System Boot Options parameters 3 and 5, IPMI 2.0 section 28.12) driven by the real
 * ipmitool: the automatic clear after the (configurable) timeout, Chassis Control restarting/delivering,
 * external resets and power-ups clearing it unless parameter 3 says not to.
 */
import { demoNodes, MemoryDriver, waitForPower } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool } from '../packages/ipmi/test/support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('ipmi boot flag valid bit', [command('ipmitool')]);
const TIMEOUT_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

gate.describe('boot flag valid bit clearing with ipmitool', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];

  beforeAll(async () => {
    driver = new MemoryDriver({ nodes: demoNodes(4), transitionMs: 20 });
    server = testIpmiServer(driver, { bootFlagValidTimeoutMs: TIMEOUT_MS });
    eps = await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  const ok = async (n: number, cmd: string) => {
    const r = await ipmitool('lanplus17', eps[n]!.port, cmd);
    expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const param5 = (n: number) => ok(n, 'chassis bootparam get 5');
  const override = (n: number) => driver.getBootOverride(eps[n]!.nodeId);

  it('clears the valid bit by itself after the timeout when no Chassis Control comes', async () => {
    const id = eps[0]!.nodeId;
    await ok(0, 'chassis bootdev pxe');
    expect(await param5(0)).toContain('Boot Flag Valid');
    expect(await override(0)).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    await sleep(TIMEOUT_MS + 1000);
    const after = await param5(0);
    expect(after).toContain('Boot Flag Invalid');
    expect(after).toContain('Force PXE'); // the rest of the parameter stays as written
    expect((await override(0)).enabled).toBe('Disabled');
    // the flags are gone: a power on now boots from disk
    await ok(0, 'chassis power on');
    expect((await waitForPower(driver, id, 'On', 3000)).lastBoot?.target).toBe('Hdd');
  });

  it('parameter 3 bit 3 (Ironic: raw 0x00 0x08 0x03 0x08) keeps it; a power-up not by Chassis Control clears it', async () => {
    const id = eps[1]!.nodeId;
    await ok(1, 'raw 0x00 0x08 0x03 0x08');
    expect(await ok(1, 'chassis bootparam get 3')).toContain(
      "Don't automatically clear boot flag valid bit on timeout",
    );
    await ok(1, 'chassis bootdev pxe options=persistent');
    await sleep(TIMEOUT_MS + 1000);
    expect(await param5(1)).toContain('Boot Flag Valid');
    expect(await override(1)).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    // the "power button": a power-up through the driver, not through IPMI; parameter 3 bit 0 is clear
    await driver.power(id, 'On');
    await waitForPower(driver, id, 'On', 3000);
    await sleep(100);
    expect(await param5(1)).toContain('Boot Flag Invalid');
    expect((await override(1)).enabled).toBe('Disabled');
  });

  it('a Chassis Control restarts the countdown, and one that boots delivers the flags', async () => {
    const id = eps[2]!.nodeId;
    // power on inside the countdown: the boot uses the flags
    await ok(2, 'chassis bootdev pxe');
    await sleep(TIMEOUT_MS / 3);
    await ok(2, 'chassis power on');
    expect((await waitForPower(driver, id, 'On', 3000)).lastBoot?.target).toBe('Pxe');
    // a non-booting command (diag/NMI) restarts the countdown
    await ok(2, 'chassis bootdev cdrom options=persistent');
    const set = Date.now();
    await sleep((TIMEOUT_MS * 2) / 3);
    await ok(2, 'chassis power diag');
    const diag = Date.now();
    await sleep((TIMEOUT_MS * 2) / 3);
    expect(Date.now() - set).toBeGreaterThan(TIMEOUT_MS);
    expect(await param5(2)).toContain('Boot Flag Valid');
    expect(Date.now() - diag).toBeLessThan(TIMEOUT_MS); // still inside the restarted countdown
    await sleep(TIMEOUT_MS);
    expect(await param5(2)).toContain('Boot Flag Invalid');
    // a persistent flag delivered by a power cycle outlives the countdown (the "BIOS" took it)
    await ok(2, 'chassis bootdev pxe options=persistent');
    await ok(2, 'chassis power cycle');
    await sleep(TIMEOUT_MS + 1000);
    expect(await param5(2)).toContain('Boot Flag Valid');
    expect(await override(2)).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    expect((await driver.get(id)).lastBoot?.target).toBe('Pxe');
  });

  it('resets and power-ups not caused by Chassis Control honour parameter 3 bits 1 and 0', async () => {
    const id = eps[3]!.nodeId;
    await driver.power(id, 'On');
    await waitForPower(driver, id, 'On', 3000);
    // keep on every event, then ipmitool's own option "reset" (= clear on reset) turns bit 1 off
    await ok(3, 'raw 0x00 0x08 0x03 0x1f');
    await ok(3, 'chassis bootparam set bootflag force_disk options=reset');
    expect((await ok(3, 'raw 0x00 0x09 0x03 0x00 0x00')).trim()).toBe('01 03 1d');
    const p3 = await ok(3, 'chassis bootparam get 3');
    expect(p3).toContain("Don't clear valid bit on power up via power push button or wake event");
    expect(p3).not.toContain("Don't clear valid bit on push button reset");

    // an external reset (Redfish, guest reboot) clears the valid bit: bit 1 is clear
    await ok(3, 'chassis bootdev pxe options=persistent');
    await driver.power(id, 'ForceRestart');
    await sleep(100);
    expect(await param5(3)).toContain('Boot Flag Invalid');
    expect((await override(3)).enabled).toBe('Disabled');

    // an external power-up does not: bit 0 is set
    await ok(3, 'chassis bootdev pxe options=persistent');
    await driver.power(id, 'ForceOff');
    await waitForPower(driver, id, 'Off', 3000);
    await driver.power(id, 'On');
    await waitForPower(driver, id, 'On', 3000);
    await sleep(100);
    expect(await param5(3)).toContain('Boot Flag Valid');
    expect(await override(3)).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });

    // parameter 0: a power-down while 'set in progress' returns it to 'set complete'
    await ok(3, 'raw 0x00 0x08 0x00 0x01');
    expect((await ok(3, 'raw 0x00 0x09 0x00 0x00 0x00')).trim()).toBe('01 00 01');
    await driver.power(id, 'ForceOff');
    await waitForPower(driver, id, 'Off', 3000);
    expect((await ok(3, 'raw 0x00 0x09 0x00 0x00 0x00')).trim()).toBe('01 00 00');
  });
});
