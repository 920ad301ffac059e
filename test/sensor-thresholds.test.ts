import { demoNodes, MemoryDriver, Telemetry, waitForPower } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitoolArgs, run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';

const gate = requirePeers('settable sensor thresholds (ipmitool, freeipmi)', [
  command('ipmitool'),
  command('ipmi-sensors-config', 'freeipmi-tools'),
]);

/** One jitter bucket for the whole run, so every read sees the same numbers. */
const STILL = 2 ** 42;

gate.describe('settable sensor thresholds with real clients, kept across a restart', () => {
  let driver: MemoryDriver;
  let telemetry: Telemetry;
  let server: IpmiServer;
  let eps: EndpointInfo[];
  let stateDir: string;

  const start = async () => {
    telemetry = new Telemetry({ driver, jitterPeriodMs: STILL, scanIntervalMs: 0, stateDir });
    server = testIpmiServer(driver, { telemetry });
    eps = await server.start();
    await telemetry.ready;
  };
  const stop = async () => {
    await server.stop();
    await telemetry.close();
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'bmcemu-thresholds-'));
    driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 20 });
    await start();
    for (const ep of eps) await driver.power(ep.nodeId, 'On');
    for (const ep of eps) await waitForPower(driver, ep.nodeId, 'On', 2000);
    await telemetry.check();
  });
  afterAll(async () => {
    await server?.stop();
    await telemetry?.close();
    await driver?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const tool = (port: number, ...args: string[]) => run('ipmitool', [...ipmitoolArgs('lanplus17', port), ...args]);
  const reading = async (nodeId: string, name: string) =>
    (await telemetry.readings(nodeId)).find((r) => r.def.name === name)!.value;

  it('ipmitool sensor thresh upper sets all three; sensor get shows them; the SDR says they are settable', async () => {
    const ep = eps[0]!;
    const set = await tool(ep.port, 'sensor', 'thresh', 'Fan1', 'upper', '9000', '9600', '10200');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).not.toMatch(/Error setting threshold/);
    const get = await tool(ep.port, 'sensor', 'get', 'Fan1');
    expect(get.stdout).toMatch(/Upper Non-Critical\s+: 9000\.000/);
    expect(get.stdout).toMatch(/Upper Critical\s+: 9600\.000/);
    expect(get.stdout).toMatch(/Upper Non-Recoverable\s+: 10200\.000/);
    const fan = telemetry.sensors(await driver.get(ep.nodeId)).find((d) => d.name === 'Fan1')!;
    expect(fan.thresholds.upperCritical).toBe(9600);
    // settable mask byte 20 of the SDR, as a raw Get SDR shows: all six for a fan
    const sdr = await tool(ep.port, 'sdr', 'get', 'Fan1', '-v');
    expect(sdr.code, sdr.stderr).toBe(0);
    expect(sdr.stdout).toMatch(/Settable Thresholds\s+: lnr lcr lnc unc ucr unr/);
  });

  it('a bad order, a threshold the sensor does not let you set, and a sensor with none: the right completion codes', async () => {
    const ep = eps[0]!;
    // upper critical below upper non-critical: ipmitool sends one threshold at a time, the BMC refuses ucr
    const bad = await tool(ep.port, 'sensor', 'thresh', 'CPU1 Temp', 'upper', '90', '80', '100');
    expect(bad.stderr).toContain('Error setting threshold: Invalid data field in request');
    const cpu = telemetry.sensors(await driver.get(ep.nodeId)).find((d) => d.name === 'CPU1 Temp')!;
    expect(cpu.thresholds.upperCritical).toBe(95);
    // raw: 0x04 0x26 <sensor> <mask> lnc lcr lnr unc ucr unr
    const raw = (...bytes: number[]) =>
      tool(ep.port, 'raw', '0x04', '0x26', ...bytes.map((b) => `0x${b.toString(16)}`));
    const cold = await raw(0x01, 0x01, 20, 0, 0, 0, 0, 0); // Inlet Temp lower non-critical: fixed
    expect(cold.stderr).toMatch(/rsp=0xcc/);
    const volts = await raw(0x22, 0x08, 0, 0, 0, 130, 0, 0); // PSU1 Voltage: nothing settable
    expect(volts.stderr).toMatch(/rsp=0xcd/);
    const reserved = await raw(0x11, 0x40, 0, 0, 0, 0, 0, 0);
    expect(reserved.stderr).toMatch(/rsp=0xcc/);
    expect((await tool(ep.port, 'sensor', 'list')).code).toBe(0); // still serving
  });

  it('a lowered threshold the reading crosses raises a SEL entry (ipmitool sel elist) and Set Sensor Event Enable can mute it', async () => {
    const ep = eps[1]!;
    const now = await reading(ep.nodeId, 'CPU1 Temp');
    const r = await tool(
      ep.port,
      'sensor',
      'thresh',
      'CPU1 Temp',
      'upper',
      String(now - 10),
      String(now - 5),
      String(now + 20),
    );
    expect(r.code, r.stderr).toBe(0);
    const elist = await tool(ep.port, 'sel', 'elist');
    expect(elist.stdout).toMatch(/CPU1 Temp \| Upper Critical going high \| Asserted/);
    expect(telemetry.sel.entries(ep.nodeId).at(-1)!.message).toContain('upper critical threshold');
    // events off for System Board (sensor 2): 0x04 0x28 <sensor> <flags: scanning on, messages off>
    const off = await tool(ep.port, 'raw', '0x04', '0x28', '0x02', '0x40');
    expect(off.code, off.stderr).toBe(0);
    const ev = await tool(ep.port, 'raw', '0x04', '0x29', '0x02');
    expect(ev.stdout.trim().split(/\s+/)[0]).toBe('40');
    const before = telemetry.sel.entries(ep.nodeId).length;
    const board = await reading(ep.nodeId, 'System Board');
    const muted = await tool(ep.port, 'sensor', 'thresh', 'System Board', 'unc', String(board - 4));
    expect(muted.code, muted.stderr).toBe(0);
    expect(telemetry.sel.entries(ep.nodeId)).toHaveLength(before);
    const sdr = await tool(ep.port, 'sdr', 'elist');
    expect(sdr.stdout).toMatch(/System Board\s+\| 02h \| unc/);
  });

  it('freeipmi ipmi-sensors-config --checkout/--commit round trip changes a threshold', async () => {
    const ep = eps[0]!;
    const fi = ['-D', 'LAN_2_0', '-h', `127.0.0.1:${ep.port}`, '-u', 'admin', '-p', 'password', '-l', 'ADMIN'];
    const out = await run('ipmi-sensors-config', [...fi, '--checkout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Section \d+_Fan2/);
    const section = /Section (\S+_Fan2)\b/.exec(out.stdout)![1]!;
    const commit = await run('ipmi-sensors-config', [
      ...fi,
      '--commit',
      '-e',
      `${section}:Upper_Critical_Threshold=14100`,
    ]);
    expect(commit.code, `${commit.stdout}${commit.stderr}`).toBe(0);
    const fan2 = telemetry.sensors(await driver.get(ep.nodeId)).find((d) => d.name === 'Fan2')!;
    expect(fan2.thresholds.upperCritical).toBe(14100);
    const again = await run('ipmi-sensors-config', [
      ...fi,
      '--checkout',
      '--key-pair',
      `${section}:Upper_Critical_Threshold`,
    ]);
    expect(again.stdout).toMatch(/Upper_Critical_Threshold\s+14100\.0/);
  });

  it('set thresholds survive a restart (state dir, atomic file) and are what ipmitool reads afterwards', async () => {
    const ep = eps[0]!;
    const saved = JSON.parse(await readFile(join(stateDir, 'sensors', `${ep.nodeId}.json`), 'utf8')) as {
      sensors: Record<string, { thresholds?: Record<string, number> }>;
    };
    expect(saved.sensors['17']!.thresholds!.upperCritical).toBe(9600);
    await stop();
    await start();
    const after = eps.find((e) => e.nodeId === ep.nodeId)!;
    const get = await tool(after.port, 'sensor', 'get', 'Fan1');
    expect(get.stdout).toMatch(/Upper Critical\s+: 9600\.000/);
  });
});
