import { describe, expect, it } from 'vitest';
import {
  checkInstallConfig,
  checkInstallConfigText,
  checkLab,
  formatViolation,
  parseBmcAddress,
  validateRendered,
} from '../src/index.js';
import { model, render } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary install-config fields
type Ic = Record<string, any>;

/** A valid install-config (the default lab's) to break one rule at a time. */
function base(input = {}): Ic {
  return structuredClone(render(input).r.installConfig) as Ic;
}

function lines(ic: Ic): string[] {
  return checkInstallConfig(ic).map(formatViolation);
}

/** Break one rule; exactly the expected violation appears (path, value and message). */
function expectOnly(ic: Ic, path: string, message: RegExp): void {
  const vs = checkInstallConfig(ic);
  expect(vs.map((v) => v.path)).toEqual([path]);
  expect(vs[0]!.message).toMatch(message);
  expect(vs[0]!.fix.length).toBeGreaterThan(5);
  expect(formatViolation(vs[0]!)).toMatch(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: `));
}

describe('installer rules (one failing install-config per rule)', () => {
  it('the unbroken default passes', () => expect(lines(base())).toEqual([]));

  it('apiVIPs inside a machine network', () => {
    const ic = base();
    ic.platform.baremetal.apiVIPs = ['10.9.9.9'];
    expectOnly(
      ic,
      'platform.baremetal.apiVIPs[0]',
      /IP expected to be in one of the machine networks: 192\.168\.111\.0\/24/,
    );
  });

  it('ingressVIPs inside a machine network', () => {
    const ic = base();
    ic.platform.baremetal.ingressVIPs = ['10.9.9.9'];
    expectOnly(ic, 'platform.baremetal.ingressVIPs[0]', /machine networks/);
  });

  it('API and Ingress VIPs distinct', () => {
    const ic = base();
    ic.platform.baremetal.ingressVIPs = ic.platform.baremetal.apiVIPs;
    expectOnly(ic, 'platform.baremetal.ingressVIPs[0]', /must be different/);
  });

  it('VIPs are IPs, at most one per family', () => {
    const ic = base();
    ic.platform.baremetal.apiVIPs = ['not-an-ip'];
    expectOnly(ic, 'platform.baremetal.apiVIPs[0]', /is not a valid IP/);
    const two = base();
    two.platform.baremetal.apiVIPs = ['192.168.111.5', '192.168.111.6'];
    expectOnly(two, 'platform.baremetal.apiVIPs', /one must be IPv4 and the other IPv6/);
    const none = base();
    delete none.platform.baremetal.apiVIPs;
    expectOnly(none, 'platform.baremetal.apiVIPs', /at least one VIP/);
  });

  it('provisioningNetworkCIDR has no host bits', () => {
    const ic = base();
    ic.platform.baremetal.provisioningNetworkCIDR = '172.22.0.7/24';
    expectOnly(ic, 'platform.baremetal.provisioningNetworkCIDR', /host bits set, expected 172\.22\.0\.0\/24/);
  });

  it('provisioningNetworkCIDR does not overlap the machine network', () => {
    const ic = base();
    ic.platform.baremetal.provisioningNetworkCIDR = '192.168.0.0/16';
    ic.platform.baremetal.provisioningDHCPRange = '192.168.200.10,192.168.200.100';
    ic.platform.baremetal.clusterProvisioningIP = '192.168.200.3';
    ic.platform.baremetal.bootstrapProvisioningIP = '192.168.200.2';
    expectOnly(
      ic,
      'platform.baremetal.provisioningNetworkCIDR',
      /cannot overlap with machine network 192\.168\.111\.0\/24/,
    );
  });

  it('provisioningNetworkCIDR does not overlap the cluster or service network', () => {
    const ic = base();
    ic.networking.serviceNetwork = ['172.22.0.0/16'];
    expectOnly(
      ic,
      'platform.baremetal.provisioningNetworkCIDR',
      /cannot overlap with service network 172\.22\.0\.0\/16/,
    );
    const c = base();
    c.networking.clusterNetwork = [{ cidr: '172.16.0.0/12', hostPrefix: 23 }];
    expectOnly(c, 'platform.baremetal.provisioningNetworkCIDR', /cannot overlap with cluster network/);
  });

  it('managed IPv6 provisioning network is /64 or longer', () => {
    const ic = base();
    Object.assign(ic.platform.baremetal, {
      provisioningNetworkCIDR: 'fd00:1101::/48',
      provisioningDHCPRange: 'fd00:1101::10,fd00:1101::ff',
      clusterProvisioningIP: 'fd00:1101::3',
      bootstrapProvisioningIP: 'fd00:1101::2',
    });
    expectOnly(ic, 'platform.baremetal.provisioningNetworkCIDR', /greater than or equal to 64/);
  });

  it('provisioning IPs of the provisioning network family', () => {
    const ic = base();
    ic.platform.baremetal.clusterProvisioningIP = 'fd00::3';
    expectOnly(ic, 'platform.baremetal.clusterProvisioningIP', /not of the provisioning network's IP family \(IPv4\)/);
  });

  it('clusterProvisioningIP inside the provisioning network', () => {
    const ic = base();
    ic.platform.baremetal.clusterProvisioningIP = '172.23.0.3';
    expectOnly(ic, 'platform.baremetal.clusterProvisioningIP', /"172\.23\.0\.3" is not in the provisioning network/);
  });

  it('bootstrapProvisioningIP inside the provisioning network', () => {
    const ic = base();
    ic.platform.baremetal.bootstrapProvisioningIP = '172.23.0.2';
    expectOnly(ic, 'platform.baremetal.bootstrapProvisioningIP', /is not in the provisioning network/);
  });

  it('provisioning IPs outside the provisioning DHCP range', () => {
    const ic = base();
    ic.platform.baremetal.clusterProvisioningIP = '172.22.0.50';
    expectOnly(ic, 'platform.baremetal.clusterProvisioningIP', /overlaps with the allocated DHCP range/);
    const b = base();
    b.platform.baremetal.bootstrapProvisioningIP = '172.22.0.254';
    expectOnly(b, 'platform.baremetal.bootstrapProvisioningIP', /overlaps with the allocated DHCP range/);
  });

  it('provisioningDHCPRange is start,end inside the network', () => {
    const ic = base();
    ic.platform.baremetal.provisioningDHCPRange = '172.22.0.10';
    expectOnly(ic, 'platform.baremetal.provisioningDHCPRange', /format: start_ip,end_ip/);
    const out = base();
    out.platform.baremetal.provisioningDHCPRange = '172.22.0.10,172.22.1.10';
    expectOnly(out, 'platform.baremetal.provisioningDHCPRange', /"172\.22\.1\.10" is not in the provisioning network/);
  });

  it('provisioningNetwork is Managed, Unmanaged or Disabled', () => {
    const ic = base();
    ic.platform.baremetal.provisioningNetwork = 'Auto';
    expectOnly(ic, 'platform.baremetal.provisioningNetwork', /Unsupported value: "Auto"/);
  });

  it('unique host names, MACs and BMC addresses', () => {
    for (const [key, path] of [
      ['name', 'name'],
      ['bootMACAddress', 'bootMACAddress'],
      ['bmc', 'bmc.address'],
    ] as const) {
      const ic = base();
      const hosts = ic.platform.baremetal.hosts;
      if (key === 'bmc') hosts[2].bmc.address = hosts[0].bmc.address;
      else hosts[2][key] = hosts[0][key];
      expectOnly(ic, `platform.baremetal.hosts[2].${path}`, /Duplicate value \(already used by hosts\[0\]\)/);
    }
  });

  it('MAC duplicates are found whatever the case', () => {
    const ic = base();
    const hosts = ic.platform.baremetal.hosts;
    hosts[1].bootMACAddress = hosts[0].bootMACAddress.toUpperCase();
    expectOnly(ic, 'platform.baremetal.hosts[1].bootMACAddress', /Duplicate/);
  });

  it('required host fields', () => {
    const ic = base();
    delete ic.platform.baremetal.hosts[1].bmc.password;
    expectOnly(ic, 'platform.baremetal.hosts[1].bmc.password', /missing password/);
  });

  it('host names are RFC 1123 subdomains', () => {
    const ic = base();
    ic.platform.baremetal.hosts[0].name = 'Master_0';
    expectOnly(ic, 'platform.baremetal.hosts[0].name', /RFC 1123 subdomain/);
  });

  it('bootMACAddress is a MAC', () => {
    const ic = base();
    ic.platform.baremetal.hosts[0].bootMACAddress = '52:54:00:zz:00:01';
    expectOnly(ic, 'platform.baremetal.hosts[0].bootMACAddress', /invalid MAC address/);
  });

  it('enough control-plane hosts for the replicas', () => {
    const ic = base();
    ic.platform.baremetal.hosts.pop();
    expectOnly(
      ic,
      'platform.baremetal.hosts',
      /not enough hosts found \(2\) to support all the configured ControlPlane replicas \(3\)/,
    );
  });

  it('enough worker hosts for the compute replicas', () => {
    const ic = base();
    ic.compute[0].replicas = 2;
    expectOnly(
      ic,
      'platform.baremetal.hosts',
      /not enough hosts found \(0\) to support all the configured Compute replicas \(2\)/,
    );
  });

  it('a valid BMC URL per host', () => {
    const ic = base();
    ic.platform.baremetal.hosts[0].bmc.address = 'idrac-ilo://10.0.0.1';
    expectOnly(ic, 'platform.baremetal.hosts[0].bmc.address', /Unknown BMC type 'idrac-ilo' for address/);
    const bad = base();
    bad.platform.baremetal.hosts[0].bmc.address = 'redfish+https://bad_host!:8000/redfish/v1/Systems/1';
    expect(checkInstallConfig(bad).map((v) => v.path)).toContain('platform.baremetal.hosts[0].bmc.address');
  });

  it('virtual-media BMCs for every host when provisioning is Disabled', () => {
    const ic = base({ networks: { provisioning: { mode: 'Disabled' } } });
    expect(lines(ic)).toEqual([]);
    ic.platform.baremetal.hosts[1].bmc.address = 'ipmi://192.168.111.1:6231';
    expectOnly(ic, 'platform.baremetal.hosts[1].bmc', /driver ipmi requires provisioning network/);
    const rf = base({ networks: { provisioning: { mode: 'Disabled' } } });
    rf.platform.baremetal.hosts[0].bmc.address = rf.platform.baremetal.hosts[0].bmc.address.replace(
      'redfish-virtualmedia',
      'redfish',
    );
    expectOnly(rf, 'platform.baremetal.hosts[0].bmc', /driver redfish requires provisioning network/);
  });

  it('with provisioning Disabled the provisioning IPs live in the machine network', () => {
    const ic = base({ networks: { provisioning: { mode: 'Disabled' } } });
    ic.platform.baremetal.clusterProvisioningIP = '172.22.0.3';
    expectOnly(ic, 'platform.baremetal.clusterProvisioningIP', /provisioning network is disabled/);
  });

  it('bootstrapProvisioningIP is not in a machine network (provisioning enabled)', () => {
    const ic = base();
    Object.assign(ic.platform.baremetal, {
      provisioningNetworkCIDR: '192.168.111.0/25',
      provisioningDHCPRange: '192.168.111.10,192.168.111.100',
    });
    ic.networking.machineNetwork = [{ cidr: '192.168.111.128/25' }];
    ic.platform.baremetal.apiVIPs = ['192.168.111.205'];
    ic.platform.baremetal.ingressVIPs = ['192.168.111.204'];
    ic.platform.baremetal.bootstrapProvisioningIP = '192.168.111.130';
    const vs = checkInstallConfig(ic).map((v) => `${v.path}: ${v.message}`);
    expect(vs).toContain(
      'platform.baremetal.bootstrapProvisioningIP: the IP must not be in one of the machine networks',
    );
  });

  it('UEFISecureBoot needs a driver that supports it', () => {
    const ic = base();
    ic.platform.baremetal.hosts[0].bootMode = 'UEFISecureBoot';
    ic.platform.baremetal.hosts[0].bmc.address = 'ipmi://192.168.111.1:6230';
    expectOnly(ic, 'platform.baremetal.hosts[0].bootMode', /driver ipmi does not support UEFI secure boot/);
  });

  it('bootMode is UEFI, UEFISecureBoot or legacy', () => {
    const ic = base();
    ic.platform.baremetal.hosts[0].bootMode = 'bios';
    expectOnly(ic, 'platform.baremetal.hosts[0].bootMode', /Unsupported value: "bios"/);
  });

  it('rootDeviceHints.deviceName is a /dev path', () => {
    const ic = base();
    ic.platform.baremetal.hosts[0].rootDeviceHints.deviceName = 'vda';
    expectOnly(ic, 'platform.baremetal.hosts[0].rootDeviceHints.deviceName', /must be a \/dev\/ path/);
    const deep = base();
    deep.platform.baremetal.hosts[0].rootDeviceHints.deviceName = '/dev/disk/by-id/x';
    expectOnly(deep, 'platform.baremetal.hosts[0].rootDeviceHints.deviceName', /\/dev\/disk\/by-path\//);
  });

  it('OS image URLs carry a sha256', () => {
    const ic = base();
    ic.platform.baremetal.clusterOSImage = 'https://mirror.example/rhcos.qcow2.gz';
    expectOnly(ic, 'platform.baremetal.clusterOSImage', /sha256 parameter .* is missing/);
  });

  it('libvirtURI is a URI', () => {
    const ic = base();
    ic.platform.baremetal.libvirtURI = 'system';
    expectOnly(ic, 'platform.baremetal.libvirtURI', /invalid URI/);
  });

  it('bridge names that exist (when a lookup is given)', () => {
    const vs = checkInstallConfig(base(), { bridgeExists: (n) => n === 'labbm' });
    expect(vs.map((v) => v.path)).toEqual(['platform.baremetal.provisioningBridge']);
    expect(vs[0]!.message).toMatch(/could not find interface or libvirt network/);
  });

  it('hosts are required', () => {
    const ic = base();
    delete ic.platform.baremetal.hosts;
    expect(checkInstallConfig(ic).map((v) => v.message)).toContain('bare metal hosts are missing');
  });

  it('a YAML syntax error is one violation naming its line', async () => {
    const vs = await checkInstallConfigText('apiVersion: v1\nplatform: [\n');
    expect(vs).toHaveLength(1);
    expect(vs[0]!.path).toMatch(/^line \d+$/);
  });
});

describe('metal3 BMC URL parsing', () => {
  it('accepts the forms the lab writes and the shorthand forms metal3 accepts', () => {
    expect(parseBmcAddress('ipmi://192.168.111.1:6230')).toMatchObject({
      ok: true,
      bmc: { scheme: 'ipmi', port: 6230 },
    });
    expect(parseBmcAddress('192.168.111.1:6230')).toMatchObject({
      ok: true,
      bmc: { scheme: 'ipmi', hostname: '192.168.111.1' },
    });
    expect(parseBmcAddress('bmc.example.com')).toMatchObject({ ok: true, bmc: { scheme: 'ipmi' } });
    expect(parseBmcAddress('redfish-virtualmedia+https://[fd00::1]:8000/redfish/v1/Systems/x')).toMatchObject({
      ok: true,
      bmc: { hostname: 'fd00::1', path: '/redfish/v1/Systems/x', driver: { requiresProvisioningNetwork: false } },
    });
    expect(parseBmcAddress('')).toEqual({ ok: false, error: 'missing BMC address' });
  });
});

describe('lab rules (paths are lab.yaml keys)', () => {
  const labLines = (input: object) => checkLab(model(input)).map((v) => `${v.path}: ${v.message}`);

  it('the default lab has none', () => expect(labLines({})).toEqual([]));

  it('VIPs outside the baremetal DHCP range', () => {
    expect(labLines({ networks: { baremetal: { apiVIPs: ['192.168.111.200'] } } })).toEqual([
      expect.stringMatching(/^networks\.baremetal\.apiVIPs\[0\]: inside the DHCP range/),
    ]);
  });

  it('VIPs not taken by a node reservation', () => {
    expect(labLines({ networks: { baremetal: { ingressVIPs: ['192.168.111.21'] } } })).toEqual([
      expect.stringMatching(/^networks\.baremetal\.ingressVIPs\[0\]: reserved for a node/),
    ]);
  });

  it('the DHCP range and gateway inside the CIDR', () => {
    expect(
      labLines({
        networks: {
          baremetal: { ipv4: { cidr: '192.168.111.0/24', dhcpRange: ['192.168.111.100', '192.168.112.9'] } },
        },
      })[0],
    ).toMatch(/^networks\.baremetal\.ipv4\.dhcpRange: /);
    expect(
      labLines({ networks: { baremetal: { ipv4: { cidr: '192.168.111.0/24', gateway: '10.0.0.1' } } } })[0],
    ).toMatch(/^networks\.baremetal\.ipv4\.gateway: /);
  });

  it('a network large enough for the node reservations', () => {
    expect(
      labLines({ workers: { count: 20 }, networks: { baremetal: { ipv4: { cidr: '192.168.111.0/26' } } } }),
    ).toContainEqual(expect.stringMatching(/^networks\.baremetal\.ipv4\.cidr: too small/));
  });

  it('family of each stack, distinct network names, known host overrides', () => {
    expect(labLines({ networks: { baremetal: { ipv4: { cidr: 'fd00::/64' } } } })).toContainEqual(
      expect.stringMatching(/^networks\.baremetal\.ipv4\.cidr: not an IPv4 CIDR/),
    );
    expect(labLines({ networks: { baremetal: { name: 'same' }, provisioning: { name: 'same' } } })).toEqual([
      expect.stringMatching(/^networks\.provisioning\.name: /),
    ]);
    expect(labLines({ hosts: { 'master-9': { bmc: { kind: 'ipmi' } } } })).toEqual([
      expect.stringMatching(/^hosts\.master-9: no such host/),
    ]);
  });

  it('upi and serve do not share a Managed provisioning network with Ironic', () => {
    expect(labLines({ mode: 'upi' })).toContainEqual(expect.stringMatching(/^networks\.provisioning\.mode: /));
    expect(labLines({ networks: { provisioning: { serve: true } } })).toEqual([
      expect.stringMatching(/^networks\.provisioning\.serve: /),
    ]);
  });

  it('installer rules over a rendered lab name the lab.yaml key too', () => {
    const { m, r } = render({ controlPlane: { secureBoot: true }, bmc: { kind: 'ipmi' } });
    const vs = validateRendered(m, r).map((v) => v.path);
    expect(vs).toContain('<role>.secureBoot / <role>.firmware (install-config platform.baremetal.hosts[0].bootMode)');
    const d = render({ bmc: { kind: 'ipmi' }, networks: { provisioning: { mode: 'Disabled' } } });
    expect(validateRendered(d.m, d.r)[0]!.path).toBe(
      'bmc.kind (or <role>.bmc / hosts.<name>.bmc) (install-config platform.baremetal.hosts[0].bmc)',
    );
  });
});
