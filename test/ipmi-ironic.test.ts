/** Real OpenStack Ironic (Debian 21.4, hardware type `ipmi`, ipmitool interfaces) drives a bmc-emu BMC. */
import { demoNodes, MemoryDriver } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Ironic, ironicPeers, startIronic } from './support/ironic.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('ipmi with real Ironic', [...ironicPeers(), command('ipmitool')]);

gate.describe('Ironic manages a bmc-emu IPMI node (driver ipmi)', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let ep: EndpointInfo;
  let ironic: Ironic;
  let uuid: string;

  beforeAll(async () => {
    // power transitions take a while, like a real VM: Ironic must never see a failed first try
    driver = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 1500 });
    server = new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'ir0nic-pw' });
    [ep] = (await server.start()) as [EndpointInfo];
    ironic = await startIronic();
  }, 120_000);
  afterAll(async () => {
    await ironic?.stop();
    await server?.stop();
    await driver?.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
  const settled = (n: any) => n.target_power_state === null;

  it('enrolls and manages the node', async () => {
    const r = await ironic.api('POST', '/v1/nodes', {
      name: 'ipmi-node-0',
      driver: 'ipmi',
      boot_interface: 'ipxe',
      deploy_interface: 'ramdisk',
      driver_info: {
        ipmi_address: '127.0.0.1',
        ipmi_port: ep.port,
        ipmi_username: 'admin',
        ipmi_password: 'ir0nic-pw',
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    uuid = r.body.uuid;
    const m = await ironic.api('PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'manage' });
    expect(m.status, JSON.stringify(m.body)).toBe(202);
    const n = await ironic.waitFor(
      uuid,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
      (x: any) => x.provision_state !== 'verifying' && x.provision_state !== 'enroll',
      60_000,
    );
    expect(n.provision_state, n.last_error).toBe('manageable');
    expect(n.power_state).toBe('power off');
    const v = await ironic.api('GET', `/v1/nodes/${uuid}/validate`);
    expect(v.body.power.result, JSON.stringify(v.body.power)).toBe(true);
    expect(v.body.management.result, JSON.stringify(v.body.management)).toBe(true);
  }, 90_000);

  it('powers on and off with no failed attempt', async () => {
    for (const [target, want, model] of [
      ['power on', 'power on', 'On'],
      ['power off', 'power off', 'Off'],
      ['power on', 'power on', 'On'],
      ['rebooting', 'power on', 'On'],
      ['power off', 'power off', 'Off'],
    ] as const) {
      const r = await ironic.api('PUT', `/v1/nodes/${uuid}/states/power`, { target });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      const n = await ironic.waitFor(uuid, settled, 60_000);
      expect(n.last_error, `${target}`).toBeNull();
      expect(n.power_state).toBe(want);
      expect((await driver.get(ep.nodeId)).powerState).toBe(model);
    }
    const log = await ironic.log();
    expect(log).not.toMatch(/IPMI Error while attempting|ipmitool.*(timed out|Unable to establish)|Retrying/i);
  }, 120_000);

  it('sets and reads the boot device, persistent and not', async () => {
    for (const [device, persistent, target, enabled] of [
      ['pxe', true, 'Pxe', 'Continuous'],
      ['disk', false, 'Hdd', 'Once'],
      ['cdrom', true, 'Cd', 'Continuous'],
      ['bios', false, 'BiosSetup', 'Once'],
      ['pxe', false, 'Pxe', 'Once'],
    ] as const) {
      const r = await ironic.api('PUT', `/v1/nodes/${uuid}/management/boot_device`, {
        boot_device: device,
        persistent,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(204);
      expect(await driver.getBootOverride(ep.nodeId)).toMatchObject({ target, enabled, mode: 'UEFI' });
      const g = await ironic.api('GET', `/v1/nodes/${uuid}/management/boot_device`);
      expect(g.body, device).toEqual({ boot_device: device, persistent });
    }
  }, 90_000);
});
