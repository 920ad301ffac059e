/**
 * Real Ironic 21.4 with `[sensor_data] send_sensor_data = true` collects sensor data from a bmc-emu
 * redfish node (Chassis Thermal/Power via sushy) and an ipmi node (`ipmitool sdr -v`), and logs the
 * notifications (oslo.messaging `log` driver) without a collection error.
 */
import { sharedSettings, demoNodes, MemoryDriver, silentLogger, Telemetry } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Ironic, ironicPeers, startIronic } from './support/ironic.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('Ironic sensor data collection', [...ironicPeers(), command('ipmitool')]);

const SENSOR_CONF = `
[sensor_data]
send_sensor_data = true
interval = 3
enable_for_undeployed_nodes = true
enable_for_conductor = false
[oslo_messaging_notifications]
driver = log
`;

gate.describe('Ironic send_sensor_data from a redfish node and an ipmi node', () => {
  let dir: string;
  let driver: MemoryDriver;
  let telemetry: Telemetry;
  let redfish: RedfishServer;
  let ipmi: IpmiServer;
  let eps: EndpointInfo[];
  let url: string;
  let ironic: Ironic;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-ironic-sensors-'));
    const settings = redfishSection.parse({ tls: false, port: 0 });
    const shared = sharedSettings({ stateDir: join(dir, 'state') });
    driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 50 });
    telemetry = new Telemetry({ driver, jitterPeriodMs: 2 ** 42, scanIntervalMs: 0 });
    redfish = new RedfishServer({ driver, settings, shared, logger: silentLogger(), telemetry });
    url = await redfish.start();
    ipmi = new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'password', telemetry });
    eps = await ipmi.start();
    ironic = await startIronic({ extraConfig: SENSOR_CONF });
  }, 120_000);
  afterAll(async () => {
    await ironic?.stop();
    await ipmi?.stop();
    await redfish?.stop();
    await telemetry?.close();
    await driver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const enrollAndManage = async (body: Record<string, unknown>) => {
    const r = await ironic.api('POST', '/v1/nodes', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const uuid = r.body.uuid as string;
    const m = await ironic.api('PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'manage' });
    expect(m.status, JSON.stringify(m.body)).toBe(202);
    const n = await ironic.waitFor(
      uuid,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
      (x: any) => x.provision_state !== 'verifying' && x.provision_state !== 'enroll',
      60_000,
    );
    expect(n.provision_state, n.last_error).toBe('manageable');
    return uuid;
  };

  it('collects Fan/Temperature/Power from redfish and the SDR from ipmi, with no error in its log', async () => {
    const rfNode = eps.find((e) => e.name === 'node-0')!;
    const ipmiNode = eps.find((e) => e.name === 'node-1')!;
    const rf = await enrollAndManage({
      name: 'rf-sensors',
      driver: 'redfish',
      boot_interface: 'redfish-virtual-media',
      deploy_interface: 'ramdisk',
      driver_info: {
        redfish_address: url.replace('/redfish/v1', ''),
        redfish_system_id: `/redfish/v1/Systems/${rfNode.nodeId}`,
        redfish_username: 'admin',
        redfish_password: 'password',
      },
    });
    const ip = await enrollAndManage({
      name: 'ipmi-sensors',
      driver: 'ipmi',
      boot_interface: 'ipxe',
      deploy_interface: 'ramdisk',
      driver_info: {
        ipmi_address: '127.0.0.1',
        ipmi_port: ipmiNode.port,
        ipmi_username: 'admin',
        ipmi_password: 'password',
      },
    });
    const deadline = Date.now() + 60_000;
    let log = '';
    const seen = () =>
      log.includes('hardware.redfish.metrics') &&
      log.includes(rf) &&
      log.includes('hardware.ipmi.metrics') &&
      log.includes(ip);
    while (!seen() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      log = await ironic.log();
    }
    expect(seen(), log.slice(-4000)).toBe(true);
    const want = Object.fromEntries((await telemetry.readings(rfNode.nodeId)).map((r) => [r.def.id, r.value]));
    const rfLine = log.split('\n').find((l) => l.includes('hardware.redfish.metrics') && l.includes(rf))!;
    expect(rfLine).toContain(`CPU1Temp@${rfNode.nodeId}`);
    expect(rfLine).toMatch(new RegExp(`"reading_celsius": ${want['CPU1Temp']}\\b`));
    const ipLine = log.split('\n').find((l) => l.includes('hardware.ipmi.metrics') && l.includes(ip))!;
    expect(ipLine).toContain('CPU1 Temp');
    expect(ipLine).toContain('Fan1');
    expect(log).not.toMatch(
      /get_sensors_data is not implemented|Failed to get sensor data|could not (parse|get) sensor data/i,
    );
    expect(ipLine).toMatch(/"Sensor Reading": "\d+ \(\+\/- 0\) degrees C", "Status": "ok"/);
  }, 150_000);
});
