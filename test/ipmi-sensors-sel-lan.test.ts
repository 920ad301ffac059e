import { bmcMac, demoNodes, MemoryDriver, Telemetry, waitForPower } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Iface, ipmitool, run } from '../packages/ipmi/test/support/peers.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';

const gate = requirePeers('ipmi sensors/SEL/LAN (ipmitool, freeipmi, pyghmi)', [
  command('ipmitool'),
  command('ipmi-sensors', 'freeipmi-tools'),
  command('ipmi-sel', 'freeipmi-tools'),
  command('bmc-info', 'freeipmi-tools'),
  command('ipmipower', 'freeipmi-tools'),
  pythonModule('pyghmi'),
]);

/** One jitter bucket for the whole run, so every client reads the same numbers. */
const STILL = 2 ** 42;

gate.describe('sensors, SEL, LAN parameters and DCMI over IPMI 2.0 and 1.5 with real clients', () => {
  let driver: MemoryDriver;
  let telemetry: Telemetry;
  let server: IpmiServer;
  let eps: EndpointInfo[];
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'bmcemu-sdrcache-'));
    driver = new MemoryDriver({ nodes: demoNodes(4), transitionMs: 20 });
    telemetry = new Telemetry({
      driver,
      jitterPeriodMs: STILL,
      scanIntervalMs: 0,
      faults: { 'node-3': ['CPU1 Temp'] },
    });
    server = testIpmiServer(driver, { telemetry });
    eps = await server.start();
    for (const ep of eps) await driver.power(ep.nodeId, 'On');
    for (const ep of eps) await waitForPower(driver, ep.nodeId, 'On', 2000);
    await telemetry.check();
  });
  afterAll(async () => {
    await server?.stop();
    await telemetry?.close();
    await driver?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  const node = (i: number) => eps.find((e) => e.name === `node-${i}`)!;
  const expected = async (nodeId: string) =>
    Object.fromEntries((await telemetry.readings(nodeId)).map((r) => [r.def.name, r.value]));
  const ok = async (iface: Iface, port: number, cmd: string) => {
    const r = await ipmitool(iface, port, cmd);
    expect(r.code, `${iface} ${cmd}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const fi = (port: number, driverType: 'LAN' | 'LAN_2_0', ...extra: string[]) => [
    ...['-D', driverType, '-h', `127.0.0.1:${port}`, '-u', 'admin', '-p', 'password'],
    ...extra,
  ];
  const cached = (port: number, driverType: 'LAN' | 'LAN_2_0') =>
    fi(port, driverType, '--sdr-cache-directory', cacheDir, '--quiet-cache');

  for (const iface of ['lanplus17', 'lan'] as const) {
    it(`ipmitool ${iface}: sdr elist, sensor list and sensor get show the core model's values`, async () => {
      const ep = node(0);
      const want = await expected(ep.nodeId);
      const elist = await ok(iface, ep.port, 'sdr elist');
      const list = await ok(iface, ep.port, 'sensor list');
      for (const [name, value] of Object.entries(want)) {
        const e = elist.split('\n').find((l) => l.startsWith(`${name} `));
        expect(e, `sdr elist has ${name}`).toBeDefined();
        expect(e!.split('|').map((x) => x.trim())[2]).toBe('ok');
        expect(Number.parseFloat(e!.split('|')[4]!)).toBe(value);
        const s = list.split('\n').find((l) => l.startsWith(`${name} `))!;
        expect(Number.parseFloat(s.split('|')[1]!)).toBe(value);
      }
      const get = await ok(iface, ep.port, 'sensor get Fan1');
      expect(get).toContain(`Sensor Reading        : ${want['Fan1']} `);
      expect(get).toMatch(/Lower Critical\s+: 600\.000/);
    });

    it(`ipmitool ${iface}: lan print 1 shows the address the BMC answers on and its stable MAC; writes it cannot apply fail`, async () => {
      const ep = node(0);
      const out = await ok(iface, ep.port, 'lan print 1');
      expect(out).toMatch(/IP Address\s+: 127\.0\.0\.1/);
      expect(out).toMatch(/Subnet Mask\s+: 255\.0\.0\.0/);
      expect(out).toMatch(new RegExp(`MAC Address\\s+: ${bmcMac(ep.nodeId)}`));
      expect(out).toMatch(/IP Address Source\s+: Static Address/);
      expect(out).toMatch(/RMCP\+ Cipher Suites\s+: 17,3/);
      const refused = await ipmitool(iface, ep.port, 'lan set 1 ipaddr 10.9.9.9');
      expect(refused.code).not.toBe(0);
      expect(await ok(iface, ep.port, 'lan set 1 ipaddr 127.0.0.1')).toContain('Setting LAN IP Address');
    });

    it(`ipmitool ${iface}: dcmi power reading is the PSU power sensor`, async () => {
      const ep = node(0);
      const want = (await expected(ep.nodeId))['PSU1 Power'];
      const out = await ok(iface, ep.port, 'dcmi power reading');
      expect(out).toMatch(new RegExp(`Instantaneous power reading:\\s+${want} Watts`));
      expect(out).toContain('activated');
    });
  }

  it('ipmitool: sel list names a power cycle and a hard reset; sel clear leaves only the clear', async () => {
    const ep = node(1);
    await ok('lanplus17', ep.port, 'chassis power cycle');
    await ok('lan', ep.port, 'chassis power reset');
    const sel = await ok('lanplus17', ep.port, 'sel list');
    expect(sel).toContain('Power cycle');
    expect(sel).toContain('Initiated by hard reset');
    const elist = await ok('lan', ep.port, 'sel elist');
    expect(elist).toMatch(/Power Unit .*\| Power cycle \| Asserted/);
    const entries = telemetry.sel.entries(ep.nodeId);
    expect(entries.map((e) => e.message)).toContain('Power cycle by IPMI user admin.');
    expect(entries.map((e) => e.message)).toContain('Hard reset by IPMI user admin.');
    expect(await ok('lanplus17', ep.port, 'sel clear')).toMatch(/Clearing SEL/);
    const after = await ok('lan', ep.port, 'sel list');
    expect(after.trim().split('\n')).toHaveLength(1);
    expect(after).toContain('Log area reset/cleared');
    expect(telemetry.sel.entries(ep.nodeId).map((e) => e.kind)).toEqual(['cleared']);
  });

  it('a fault sensor reads critical everywhere and its crossing is in the SEL', async () => {
    const ep = node(3);
    const elist = await ok('lanplus17', ep.port, 'sdr elist');
    expect(elist).toMatch(/CPU1 Temp\s+\| 03h \| ucr/);
    expect(await ok('lan', ep.port, 'sel elist')).toMatch(/CPU1 Temp \| Upper Critical going high \| Asserted/);
    const s = await run('ipmi-sensors', cached(ep.port, 'LAN'));
    expect(s.stdout).toMatch(/CPU1 Temp .*At or Above \(>=\) Upper Critical Threshold/);
  });

  for (const d of ['LAN', 'LAN_2_0'] as const) {
    it(`freeipmi -D ${d}: ipmi-sensors and ipmi-sel show the same values and entries`, async () => {
      const ep = node(2);
      const want = await expected(ep.nodeId);
      const s = await run('ipmi-sensors', cached(ep.port, d));
      expect(s.code, s.stderr).toBe(0);
      for (const [name, value] of Object.entries(want)) {
        const line = s.stdout.split('\n').find((l) => l.split('|')[1]?.trim() === name);
        expect(line, `ipmi-sensors has ${name}`).toBeDefined();
        expect(Number.parseFloat(line!.split('|')[3]!)).toBe(value);
        expect(line).toContain("'OK'");
      }
      const sel = await run('ipmi-sel', cached(ep.port, d));
      expect(sel.code, sel.stderr).toBe(0);
      expect(sel.stdout).toContain('OEM System Boot Event');
      expect(sel.stdout).toMatch(/ACPI State .*S0\/G0/);
    });
  }

  it('freeipmi IPMI 1.5: bmc-info answers at once; ipmipower --pulse and --reset work as on LAN_2_0', async () => {
    const ep = node(2);
    const t0 = Date.now();
    const info = await run('bmc-info', fi(ep.port, 'LAN'));
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/IPMI Version\s+: 2\.0/);
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const d of ['LAN', 'LAN_2_0'] as const) {
      const a = ['-D', d, '-h', `127.0.0.1:${ep.port}`, '-u', 'admin', '-p', 'password'];
      expect((await run('ipmipower', [...a, '--stat'])).stdout).toContain('127.0.0.1: on');
      // --pulse is a diagnostic interrupt (NMI): answered ok, the node keeps running
      expect((await run('ipmipower', [...a, '--pulse'])).stdout).toContain('127.0.0.1: ok');
      const boot = (await driver.get(ep.nodeId)).lastBoot!.at;
      await new Promise((r) => setTimeout(r, 5));
      expect((await run('ipmipower', [...a, '--reset'])).stdout).toContain('127.0.0.1: ok');
      expect((await driver.get(ep.nodeId)).lastBoot!.at > boot).toBe(true);
    }
  });

  it('pyghmi: get_sensor_data, get_health, get_net_configuration, get_event_log agree with the model', async () => {
    const ep = node(3);
    const script = [
      'import json, sys',
      'from pyghmi.ipmi import command',
      "c = command.Command(bmc='127.0.0.1', port=int(sys.argv[1]), userid='admin', password='password')",
      'out = {"sensors": {r.name: r.value for r in c.get_sensor_data()}}',
      'h = c.get_health()',
      'out["health"] = int(h["health"]); out["bad"] = [b.name for b in h["badreadings"]]',
      'out["net"] = c.get_net_configuration()',
      'out["sel"] = [e.get("event") for e in c.get_event_log()]',
      'print(json.dumps(out))',
    ].join('\n');
    const r = await run(DEBIAN_PYTHON, ['-c', script, String(ep.port)], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      sensors: Record<string, number>;
      health: number;
      bad: string[];
      net: { ipv4_address: string; mac_address: string; ipv4_configuration: string };
      sel: string[];
    };
    expect(out.sensors).toEqual(await expected(ep.nodeId));
    expect(out.bad).toEqual(['CPU1 Temp']);
    expect(out.health).toBeGreaterThanOrEqual(2); // pyghmi Health.Critical
    expect(out.net).toMatchObject({
      ipv4_address: '127.0.0.1/8',
      mac_address: bmcMac(ep.nodeId),
      ipv4_configuration: 'Static',
    });
    expect(out.sel).toContain('Upper critical');
  });

  it('every freeipmi tool that works over LAN_2_0 works over LAN (IPMI 1.5 MD5)', async () => {
    const ep = node(2);
    const tools: [string, ...string[]][] = [
      ['bmc-info'],
      ['ipmi-chassis', '--get-chassis-status'],
      ['ipmi-chassis', '--get-boot-flags'],
      ['ipmi-fru', '--sdr-cache-directory', cacheDir, '--quiet-cache'],
      ['ipmi-dcmi', '--get-system-power-statistics'],
      ['ipmi-dcmi', '--get-dcmi-capability-info'],
      ['ipmi-config', '--category=core', '--checkout', '--section=Lan_Conf'],
      ['ipmi-sel', '--info'],
      ['ipmipower', '--stat'],
    ];
    for (const [tool, ...args] of tools) {
      for (const d of ['LAN_2_0', 'LAN'] as const) {
        const r = await run(tool, [...fi(ep.port, d), ...args]);
        expect(r.code, `${d} ${tool} ${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
    }
    const power = await run('ipmi-dcmi', [...fi(ep.port, 'LAN'), '--get-system-power-statistics']);
    expect(power.stdout).toMatch(new RegExp(`Current Power\\s+: ${(await expected(ep.nodeId))['PSU1 Power']} Watts`));
  });

  it('every ipmitool command that works over lanplus works over lan (IPMI 1.5 MD5)', async () => {
    const ep = node(2);
    const cmds = [
      'chassis status',
      'chassis power status',
      'chassis bootparam get 5',
      'chassis bootdev pxe',
      'mc info',
      'mc guid',
      'fru print 0',
      'channel info 1',
      'sdr elist',
      'sdr info',
      'sensor list',
      'sensor get Fan1',
      'sel info',
      'sel list',
      'sel time get',
      'lan print 1',
      'dcmi power reading',
      'session info active',
    ];
    for (const cmd of cmds) {
      const plus = await ipmitool('lanplus17', ep.port, cmd);
      expect(plus.code, `lanplus ${cmd}: ${plus.stderr}`).toBe(0);
      const lan = await ipmitool('lan', ep.port, cmd);
      expect(lan.code, `lan ${cmd}: ${lan.stderr}`).toBe(0);
    }
  });
});
