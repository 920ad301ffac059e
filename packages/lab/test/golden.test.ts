import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkInstallConfig } from '../src/index.js';
import { GOLDEN_LABS } from './golden-labs.js';
import { leaves, render } from './helpers.js';

/**
 * install-config.yaml golden files, reviewed by hand when they change: the comparison is field by field so
 * a failure names the one field that moved.
 */
describe('install-config golden files', () => {
  for (const [name, input] of Object.entries(GOLDEN_LABS)) {
    it(`${name}: every field matches and the file passes the ported installer rules`, () => {
      const golden = parse(
        readFileSync(new URL(`./fixtures/golden/${name}.install-config.yaml`, import.meta.url), 'utf8'),
      ) as unknown;
      const { r } = render(input);
      const got = leaves(parse(r.files['install-config.yaml']!));
      const want = leaves(golden);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [path, value] of want) expect({ path, value: got.get(path) }).toEqual({ path, value });
      expect(checkInstallConfig(golden)).toEqual([]);
    });
  }

  it('dual stack: one VIP per family and both machine networks', () => {
    const ic = parse(
      readFileSync(new URL('./fixtures/golden/dual-stack.install-config.yaml', import.meta.url), 'utf8'),
    );
    expect(ic.platform.baremetal.apiVIPs).toEqual(['192.168.111.5', 'fd2e:6f44:5dd8:c956::5']);
    expect(ic.networking.machineNetwork).toEqual([{ cidr: '192.168.111.0/24' }, { cidr: 'fd2e:6f44:5dd8:c956::/120' }]);
  });

  it('provisioning Disabled: no provisioning CIDR/bridge, provisioning IPs on the machine network, virtual media', () => {
    const ic = parse(
      readFileSync(new URL('./fixtures/golden/provisioning-disabled.install-config.yaml', import.meta.url), 'utf8'),
    );
    const bm = ic.platform.baremetal;
    expect(bm.provisioningNetwork).toBe('Disabled');
    expect(bm.provisioningNetworkCIDR).toBeUndefined();
    expect(bm.provisioningBridge).toBeUndefined();
    expect(bm.clusterProvisioningIP).toBe('192.168.111.3');
    for (const h of bm.hosts) expect(h.bmc.address).toMatch(/^redfish-virtualmedia\+https:/);
  });

  it('two-node fencing: one credential per master, its own Redfish system and account, the DualReplica gate', () => {
    const ic = parse(
      readFileSync(new URL('./fixtures/golden/two-node-fencing.install-config.yaml', import.meta.url), 'utf8'),
    );
    expect(ic.controlPlane.replicas).toBe(2);
    expect(ic.featureSet).toBe('TechPreviewNoUpgrade');
    const hosts = ic.platform.baremetal.hosts as { name: string; bmc: Record<string, string> }[];
    expect(ic.controlPlane.fencing.credentials).toEqual(
      hosts.map((h) => ({
        hostName: h.name,
        username: h.bmc.username,
        password: h.bmc.password,
        address: h.bmc.address.replace(/^redfish(-virtualmedia)?\+/, 'redfish+'),
        certificateVerification: 'Disabled',
      })),
    );
    expect(ic.controlPlane.fencing.credentials.map((c: { username: string }) => c.username)).toEqual(['cp', 'm1']);
  });

  it('two-node arbiter: an arbiter pool of one and a host with role arbiter', () => {
    const ic = parse(
      readFileSync(new URL('./fixtures/golden/two-node-arbiter.install-config.yaml', import.meta.url), 'utf8'),
    );
    expect(ic.arbiter).toEqual({ name: 'arbiter', replicas: 1, platform: { baremetal: {} } });
    expect(ic.controlPlane.replicas).toBe(2);
    expect(ic.controlPlane.fencing).toBeUndefined();
    expect(ic.platform.baremetal.hosts.map((h: { name: string; role: string }) => [h.name, h.role])).toEqual([
      ['master-0', 'master'],
      ['master-1', 'master'],
      ['arbiter-0', 'arbiter'],
    ]);
  });
});
