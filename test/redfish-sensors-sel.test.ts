/**
 * Sensors, SEL and the BMC LAN interface over Redfish with real clients (python3-sushy, Ironic 21.4's own
 * sensor collection code, redfishtool), against the same core model IPMI shows (ipmitool).
 */
import { bmcMac, sharedSettings, demoNodes, MemoryDriver, silentLogger, Telemetry, waitForPower } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool, run } from '../packages/ipmi/test/support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';

const gate = requirePeers('redfish sensors/SEL (sushy, ironic, redfishtool, ipmitool)', [
  pythonModule('sushy'),
  pythonModule('ironic', 'python3-ironic'),
  command('redfishtool'),
  command('ipmitool'),
]);

const STILL = 2 ** 42;
const AUTH = `Basic ${Buffer.from('admin:password').toString('base64')}`;

/** Ironic 21.4's RedfishManagement sensor collection, run on a sushy chassis (as send_sensor_data does). */
const IRONIC_SENSORS = `
import json, sys, sushy
from ironic.drivers.modules.redfish.management import RedfishManagement as M
s = sushy.Sushy(sys.argv[1], username='admin', password='password', verify=False)
system = s.get_system('/redfish/v1/Systems/' + sys.argv[2])
out = {}
for ch in system.chassis:
    out['Fan'] = M._get_sensors_fan(ch)
    out['Temperature'] = M._get_sensors_temperatures(ch)
    out['Power'] = M._get_sensors_power(ch)
print(json.dumps(out, default=str))
`;

gate.describe('Redfish Thermal, Power, Sensors, LogServices/SEL and Manager EthernetInterfaces', () => {
  let dir: string;
  let driver: MemoryDriver;
  let telemetry: Telemetry;
  let redfish: RedfishServer;
  let ipmi: IpmiServer;
  let url: string;
  let eps: EndpointInfo[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfsensors-'));
    const settings = redfishSection.parse({ tls: false, port: 0 });
    const shared = sharedSettings({ stateDir: join(dir, 'state') });
    driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 20 });
    telemetry = new Telemetry({
      driver,
      jitterPeriodMs: STILL,
      scanIntervalMs: 0,
      faults: { 'node-1': ['CPU1 Temp'] },
    });
    redfish = new RedfishServer({ driver, settings, shared, logger: silentLogger(), telemetry, powerWaitMs: 2000 });
    url = await redfish.start();
    ipmi = testIpmiServer(driver, { telemetry });
    eps = await ipmi.start();
    const n0 = eps.find((e) => e.name === 'node-0')!;
    await driver.power(n0.nodeId, 'On');
    await waitForPower(driver, n0.nodeId, 'On', 2000);
  });
  afterAll(async () => {
    await ipmi?.stop();
    await redfish?.stop();
    await telemetry?.close();
    await driver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const node = (name: string) => eps.find((e) => e.name === name)!;
  const expected = async (nodeId: string) =>
    Object.fromEntries((await telemetry.readings(nodeId)).map((r) => [r.def.name, r.value]));
  const get = async (path: string) => {
    const res = await fetch(`${url.replace('/redfish/v1', '')}${path}`, { headers: { Authorization: AUTH } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const ipmiSensors = async (port: number) => {
    const r = await ipmitool('lanplus17', port, 'sensor list');
    expect(r.code, r.stderr).toBe(0);
    return Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('|').map((x) => x.trim()))
        .map((f) => [f[0]!, Number.parseFloat(f[1]!)]),
    );
  };

  it("Ironic 21.4's redfish sensor collection (via sushy) reads the same values as ipmitool", async () => {
    const ep = node('node-0');
    const r = await run(DEBIAN_PYTHON, ['-c', IRONIC_SENSORS, url, ep.nodeId], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, Record<string, Record<string, unknown>>>;
    const want = await expected(ep.nodeId);
    const viaIpmi = await ipmiSensors(ep.port);
    expect(viaIpmi).toEqual(want);
    expect(out.Temperature![`CPU1Temp@${ep.nodeId}`]).toMatchObject({
      reading_celsius: want['CPU1 Temp'],
      sensor_number: 3,
      physical_context: 'CPU',
      health: 'Health.OK',
    });
    expect(out.Temperature![`InletTemp@${ep.nodeId}`]!.reading_celsius).toBe(want['Inlet Temp']);
    expect(out.Fan![`Fan1@${ep.nodeId}`]).toMatchObject({ reading: want['Fan1'], health: 'Health.OK' });
    expect(String(out.Fan![`Fan2@${ep.nodeId}`]!.reading_units)).toMatch(/RPM/);
    expect(out.Power![`PSU1:Power@${ep.nodeId}`]).toMatchObject({
      last_power_output_watts: want['PSU1 Power'],
      line_input_voltage: want['PSU1 Voltage'],
      health: 'Health.OK',
    });
  });

  it('Sensors, ThermalSubsystem and PowerSubsystem carry the same numbers', async () => {
    const ep = node('node-0');
    const want = await expected(ep.nodeId);
    const base = `/redfish/v1/Chassis/${ep.nodeId}`;
    const col = await get(`${base}/Sensors`);
    expect(col['Members@odata.count']).toBe(Object.keys(want).length);
    for (const m of col.Members as Array<{ '@odata.id': string }>) {
      const s = await get(m['@odata.id']);
      expect(s.Reading, String(s.Name)).toBe(want[String(s.Name)]);
    }
    const metrics = await get(`${base}/ThermalSubsystem/ThermalMetrics`);
    const temps = metrics.TemperatureReadingsCelsius as Array<{ DeviceName: string; Reading: number }>;
    expect(temps.find((t) => t.DeviceName === 'CPU1 Temp')?.Reading).toBe(want['CPU1 Temp']);
    const fan = await get(`${base}/ThermalSubsystem/Fans/Fan2`);
    expect((fan.SpeedPercent as { SpeedRPM: number }).SpeedRPM).toBe(want['Fan2']);
    const psu = await get(`${base}/PowerSubsystem/PowerSupplies/PSU1/Metrics`);
    expect((psu.InputPowerWatts as { Reading: number }).Reading).toBe(want['PSU1 Power']);
    expect((psu.InputVoltage as { Reading: number }).Reading).toBe(want['PSU1 Voltage']);
  });

  it('redfishtool reads Thermal, Power, the SEL and the Manager EthernetInterface', async () => {
    const ep = node('node-0');
    const rt = (...args: string[]) =>
      run('redfishtool', [
        '-r',
        url.replace(/^http:\/\//, '').replace('/redfish/v1', ''),
        '-S',
        'Never',
        '-u',
        'admin',
        '-p',
        'password',
        ...args,
      ]);
    const thermal = await rt('Chassis', '-I', ep.nodeId, 'Thermal');
    expect(thermal.code, thermal.stderr).toBe(0);
    const t = JSON.parse(thermal.stdout) as { Temperatures: Array<{ Name: string; ReadingCelsius: number }> };
    const want = await expected(ep.nodeId);
    expect(t.Temperatures.find((x) => x.Name === 'System Board')?.ReadingCelsius).toBe(want['System Board']);
    const power = await rt('Chassis', '-I', ep.nodeId, 'Power');
    expect(power.code, power.stderr).toBe(0);
    expect(
      (JSON.parse(power.stdout) as { PowerControl: Array<{ PowerConsumedWatts: number }> }).PowerControl[0]!
        .PowerConsumedWatts,
    ).toBe(want['PSU1 Power']);
    const nic = await rt('Managers', '-I', ep.nodeId, 'EthernetInterfaces', '-i', '1');
    expect(nic.code, nic.stderr).toBe(0);
    const n = JSON.parse(nic.stdout) as { MACAddress: string; IPv4Addresses: Array<{ Address: string }> };
    expect(n.MACAddress).toBe(bmcMac(ep.nodeId));
    const lan = await ipmitool('lanplus17', ep.port, 'lan print 1');
    expect(lan.stdout).toContain(`MAC Address             : ${n.MACAddress}`);
    expect(lan.stdout).toContain(`IP Address              : ${n.IPv4Addresses[0]!.Address}`);
    const logs = await rt('Managers', '-I', ep.nodeId, 'Logs', '-i', 'SEL', '-E');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('BMC started.');
  });

  it('the SEL is one log: power changes by IPMI and Redfish users appear in both with who did it; ClearLog empties both', async () => {
    const ep = node('node-0');
    const cycle = await ipmitool('lan', ep.port, 'chassis power cycle');
    expect(cycle.code, cycle.stderr).toBe(0);
    const reset = await fetch(`${url}/Systems/${ep.nodeId}/Actions/ComputerSystem.Reset`, {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ResetType: 'ForceRestart' }),
    });
    expect(reset.status).toBe(204);
    const col = await get(`/redfish/v1/Managers/${ep.nodeId}/LogServices/SEL/Entries`);
    const members = col.Members as Array<{ Id: string; Message: string; SensorType: string }>;
    expect(members.map((m) => m.Message)).toContain('Power cycle by IPMI user admin.');
    expect(members.map((m) => m.Message)).toContain('Hard reset by Redfish user admin.');
    const sel = await ipmitool('lanplus17', ep.port, 'sel list');
    const ipmiIds = sel.stdout
      .trim()
      .split('\n')
      .map((l) => Number.parseInt(l.split('|')[0]!, 16));
    expect(ipmiIds).toEqual(members.map((m) => Number(m.Id)));
    expect(sel.stdout).toContain('Power cycle');
    expect(sel.stdout).toContain('Initiated by hard reset');
    const clear = await fetch(`${url}/Managers/${ep.nodeId}/LogServices/SEL/Actions/LogService.ClearLog`, {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(clear.status).toBe(204);
    const after = await ipmitool('lan', ep.port, 'sel list');
    expect(after.stdout.trim().split('\n')).toHaveLength(1);
    expect(after.stdout).toContain('Log area reset/cleared');
    const left = (await get(`/redfish/v1/Managers/${ep.nodeId}/LogServices/SEL/Entries`)).Members as Array<{
      Message: string;
    }>;
    expect(left.map((m) => m.Message)).toEqual(['Event log cleared by Redfish user admin.']);
  });

  it('a fault sensor raises an entry in both logs and a Redfish event (SSE), and reads Critical in Thermal', async () => {
    const ep = node('node-1');
    const ac = new AbortController();
    const sse = await fetch(`${url}/EventService/SSE`, { headers: { Authorization: AUTH }, signal: ac.signal });
    expect(sse.status).toBe(200);
    const events: string[] = [];
    const reading = (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) events.push(dec.decode(chunk));
      } catch {
        // aborted at the end of the test
      }
    })();
    const on = await fetch(`${url}/Systems/${ep.nodeId}/Actions/ComputerSystem.Reset`, {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ResetType: 'On' }),
    });
    expect([200, 202, 204]).toContain(on.status);
    await waitForPower(driver, ep.nodeId, 'On', 3000);
    await telemetry.check();
    const deadline = Date.now() + 5000;
    while (!events.join('').includes('CPU1 Temp reads') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    ac.abort();
    await reading;
    const text = events.join('');
    expect(text).toMatch(/CPU1 Temp reads 96 Cel: is past its upper critical threshold \(95 Cel\)/);
    expect(text).toContain('"Severity":"Critical"');
    expect(text).toContain(`/redfish/v1/Managers/${ep.nodeId}/LogServices/SEL/Entries/`);
    const thermal = await get(`/redfish/v1/Chassis/${ep.nodeId}/Thermal`);
    const cpu = (thermal.Temperatures as Array<{ Name: string; Status: { Health: string } }>).find(
      (t) => t.Name === 'CPU1 Temp',
    )!;
    expect(cpu.Status.Health).toBe('Critical');
    const sel = await ipmitool('lanplus17', ep.port, 'sel elist');
    expect(sel.stdout).toMatch(/CPU1 Temp \| Upper Critical going high \| Asserted/);
    const entries = (await get(`/redfish/v1/Managers/${ep.nodeId}/LogServices/SEL/Entries`)).Members as Array<{
      Severity: string;
      SensorType: string;
      SensorNumber?: number;
    }>;
    expect(entries.find((e) => e.Severity === 'Critical')).toMatchObject({
      SensorType: 'Temperature',
      SensorNumber: 3,
    });
  });
});
