/** Real OpenStack Ironic (Debian 21.4, driver `redfish`) manages a node of ours over verified TLS. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, IPXE_ISO, startHarness } from '../packages/redfish/test/harness.js';
import { type Ironic, ironicPeers, startIronic } from './support/ironic.js';
import { fileExists, requirePeers } from './support/peers.js';

const gate = requirePeers('redfish with real Ironic', [...ironicPeers(), fileExists(IPXE_ISO, 'ipxe')]);

gate.describe('Ironic enrolls, inspects and deploys a bmc-emu Redfish node', () => {
  let h: Harness;
  let ironic: Ironic;
  let uuid: string;
  const saved: Record<string, string | undefined> = {};

  const provision = async (target: string, want: string, timeoutMs = 60_000) => {
    const r = await ironic.api('PUT', `/v1/nodes/${uuid}/states/provision`, { target });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
    return ironic.waitFor(uuid, (n: any) => n.provision_state === want || /failed/.test(n.provision_state), timeoutMs);
  };

  beforeAll(async () => {
    // 2 GiB: Debian's sushy 4.3.3 casts TotalSystemMemoryGiB with int(), so a node under 1 GiB (we report
    // 0.25 for 256 MiB, as the schema asks) still reads as 0 GiB and fails Ironic's inspection.
    h = await startHarness({ memoryMiB: 2048 });
    // requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a per-connection `verify`: keep them out of Ironic.
    for (const k of ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
    ironic = await startIronic();
  }, 120_000);
  afterAll(async () => {
    await ironic?.stop();
    await h?.close();
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  });

  it('enrolls and manages the node (Ironic verifies our certificate with our CA)', async () => {
    const r = await ironic.api('POST', '/v1/nodes', {
      name: 'rf-node-0',
      driver: 'redfish',
      boot_interface: 'redfish-virtual-media',
      deploy_interface: 'ramdisk',
      inspect_interface: 'redfish',
      driver_info: {
        redfish_address: h.base,
        redfish_system_id: `/redfish/v1/Systems/${h.node.id}`,
        redfish_username: 'admin',
        redfish_password: 'password',
        redfish_verify_ca: h.caFile,
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    uuid = r.body.uuid;
    const n = await provision('manage', 'manageable');
    expect(n.provision_state, n.last_error).toBe('manageable');
  }, 90_000);

  it('validates power, management and inspect', async () => {
    const r = await ironic.api('GET', `/v1/nodes/${uuid}/validate`);
    expect(r.status).toBe(200);
    expect(r.body.power, JSON.stringify(r.body.power)).toMatchObject({ result: true });
    expect(r.body.management, JSON.stringify(r.body.management)).toMatchObject({ result: true });
    expect(r.body.inspect, JSON.stringify(r.body.inspect)).toMatchObject({ result: true });
  });

  it('powers the node on and off', async () => {
    for (const [target, state, ours] of [
      ['power on', 'power on', 'On'],
      ['power off', 'power off', 'Off'],
    ] as const) {
      const r = await ironic.api('PUT', `/v1/nodes/${uuid}/states/power`, { target });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
      const n = await ironic.waitFor(uuid, (x: any) => x.power_state === state && !x.target_power_state, 30_000);
      expect(n.last_error).toBeNull();
      expect((await h.driver.get(h.node.id)).powerState).toBe(ours);
    }
  }, 60_000);

  it('sets the boot device persistent and not, and reads it back', async () => {
    for (const persistent of [true, false]) {
      const r = await ironic.api('PUT', `/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'pxe', persistent });
      expect(r.status, JSON.stringify(r.body)).toBe(204);
      const back = await ironic.api('GET', `/v1/nodes/${uuid}/management/boot_device`);
      expect(back.body).toEqual({ boot_device: 'pxe', persistent });
      expect(await h.driver.getBootOverride(h.node.id)).toMatchObject({
        target: 'Pxe',
        enabled: persistent ? 'Continuous' : 'Once',
      });
    }
  }, 30_000);

  it('inspects memory, CPUs, arch, disk and a port per MAC', async () => {
    const n = await provision('inspect', 'manageable', 60_000);
    expect(n.last_error).toBeNull();
    expect(Number(n.properties.memory_mb)).toBe(2048);
    expect(Number(n.properties.cpus)).toBe(2);
    expect(n.properties.cpu_arch).toBe('x86_64');
    expect(Number(n.properties.local_gb)).toBe(19);
    const ports = await ironic.api('GET', `/v1/ports?node_uuid=${uuid}`);
    expect(ports.body.ports.map((p: { address: string }) => p.address)).toEqual([h.node.nics[0]!.mac]);
  }, 90_000);

  it('provides, deploys with redfish-virtual-media + ramdisk + boot_iso, and undeploys', async () => {
    let n = await provision('provide', 'available');
    expect(n.provision_state, n.last_error).toBe('available');
    const patch = await ironic.api('PATCH', `/v1/nodes/${uuid}`, [
      { op: 'add', path: '/instance_info/boot_iso', value: `${h.images.url}/ipxe.iso` },
    ]);
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    n = await provision('active', 'active', 120_000);
    expect(n.provision_state, `${n.last_error}\n${(await ironic.log()).slice(-3000)}`).toBe('active');
    const node = await h.driver.get(h.node.id);
    const cd = node.media.find((m) => m.slot === 'Cd')!;
    expect(cd.inserted).toBe(true);
    expect(cd.image).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(node.powerState === 'On' || node.powerState === 'PoweringOn').toBe(true);
    expect(node.lastBoot?.target).toBe('Cd');

    n = await provision('deleted', 'available', 120_000);
    expect(n.provision_state, n.last_error).toBe('available');
    const after = await h.driver.get(h.node.id);
    expect(after.media.find((m) => m.slot === 'Cd')!.inserted).toBe(false);
    expect(after.powerState).toBe('Off');
  }, 240_000);
});
