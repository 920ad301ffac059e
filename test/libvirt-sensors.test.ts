/**
 * A running libvirt domain's CPU time (`virsh domstats --cpu-total`) drives its CPU temperature, fans and
 * power: real libvirtd in a test-made namespace, a TCG guest, the libvirt driver's cpuTime hook.
 */
import { Telemetry, waitForPower } from '@bmc-emu/core';
import { createLibvirtDriver, type LibvirtDriver } from '@bmc-emu/libvirt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  defineTestDomain,
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  type TestDomain,
  virsh,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';

libvirtPeers.describe('libvirt CPU time drives the sensors', () => {
  let lv: Libvirtd | undefined;
  let dom: TestDomain | undefined;
  let driver: LibvirtDriver | undefined;
  let telemetry: Telemetry | undefined;

  beforeAll(async () => {
    lv = await startLibvirtd();
    dom = defineTestDomain('sensors');
    driver = await createLibvirtDriver({ uris: [lv.uri], pollIntervalMs: 1000 });
    telemetry = new Telemetry({ driver, scanIntervalMs: 0, jitterPeriodMs: 2 ** 42 });
    await telemetry.ready;
  }, LIBVIRTD_SETUP_MS);
  afterAll(async () => {
    await telemetry?.close();
    await driver?.close();
    dom?.remove();
    await lv?.stop();
  }, 60_000);

  const read = async (name: string) => (await telemetry!.readings(dom!.uuid)).find((r) => r.def.name === name)!.value;

  it('off: no CPU time, ambient CPU, 0 RPM, standby watts; on: CPU time grows and readings follow the load', async () => {
    expect(await driver!.cpuTime(dom!.uuid)).toBeUndefined();
    expect(await read('CPU1 Temp')).toBeLessThanOrEqual(23);
    expect(await read('Fan1')).toBe(0);
    expect(await read('PSU1 Power')).toBe(12);
    await driver!.power(dom!.uuid, 'On');
    await waitForPower(driver!, dom!.uuid, 'On', 60_000);
    const t0 = await driver!.cpuTime(dom!.uuid);
    expect(t0).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500));
    const t1 = await driver!.cpuTime(dom!.uuid);
    expect(t1!).toBeGreaterThan(t0!);
    // two samples 2 s apart: the load is the CPU time rate per vCPU, and every reading is on its formula
    await telemetry!.readings(dom!.uuid);
    await new Promise((r) => setTimeout(r, 2500));
    const cpu = await read('CPU1 Temp');
    const fan = await read('Fan1');
    const watts = await read('PSU1 Power');
    expect(cpu).toBeGreaterThanOrEqual(41);
    expect(cpu).toBeLessThanOrEqual(73);
    expect(fan).toBeGreaterThanOrEqual(4800 - 120);
    expect(watts).toBeGreaterThanOrEqual(120 - 8);
    // the same load moves CPU temperature and watts together: both sit on their line for one load value
    const loadFromCpu = (cpu - 42) / 30;
    const loadFromWatts = (watts - 120) / 180;
    expect(Math.abs(loadFromCpu - loadFromWatts)).toBeLessThanOrEqual(0.12); // jitter (1 step each) and rounding
  }, 180_000);

  it('a power-off made with virsh, outside bmc-emu, is in the SEL and says so', async () => {
    virsh('destroy', dom!.name);
    await waitForPower(driver!, dom!.uuid, 'Off', 30_000);
    const deadline = Date.now() + 30_000; // the SEL hears the libvirt event after the driver; a loaded host can take seconds
    const offs = () => telemetry!.sel.entries(dom!.uuid).filter((e) => e.kind === 'power' && e.power === 'Off');
    while (offs().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(offs().map((e) => e.message)).toEqual([`Power off by libvirt (${lv!.uri}, outside bmc-emu).`]);
    expect(await driver!.cpuTime(dom!.uuid)).toBeUndefined();
  }, 60_000);

  it('power on and a power cycle through the driver, noted by a front end, name that user', async () => {
    telemetry!.note(dom!.uuid, 'power', 'IPMI user tester', 'On');
    await driver!.power(dom!.uuid, 'On');
    await waitForPower(driver!, dom!.uuid, 'On', 60_000);
    telemetry!.note(dom!.uuid, 'power', 'Redfish user tester', 'PowerCycle');
    await driver!.power(dom!.uuid, 'PowerCycle');
    await waitForPower(driver!, dom!.uuid, 'On', 60_000);
    const deadline = Date.now() + 30_000;
    const msgs = () => telemetry!.sel.entries(dom!.uuid).map((e) => e.message);
    while (!msgs().includes('Power cycle by Redfish user tester.') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(msgs()).toContain('Power on by IPMI user tester.');
    expect(msgs()).toContain('Power cycle by Redfish user tester.');
    expect(msgs().filter((m) => m.startsWith('Power off'))).toHaveLength(1); // only the virsh destroy above
  }, 120_000);
});
