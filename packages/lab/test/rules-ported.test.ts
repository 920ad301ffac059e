import { describe, expect, it } from 'vitest';
import { checkInstallConfig, checkInstallConfigText, formatViolation, validateRendered } from '../src/index.js';
import { render } from './helpers.js';

/**
 * The installer rules ported after the first set: capabilities, two-node (fencing / arbiter), load
 * balancer type, NTP servers, nmstate networkConfig, OS image URL form. One failing install-config per rule.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary install-config fields
type Ic = Record<string, any>;

const base = (input = {}): Ic => structuredClone(render(input).r.installConfig) as Ic;

function expectOnly(ic: Ic, path: string, message: RegExp): void {
  const vs = checkInstallConfig(ic);
  expect(vs.map((v) => v.path)).toEqual([path]);
  expect(vs[0]!.message).toMatch(message);
  expect(vs[0]!.fix.length).toBeGreaterThan(5);
  expect(formatViolation(vs[0]!)).toMatch(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: `));
}

const paths = (ic: Ic) => checkInstallConfig(ic).map((v) => v.path);

describe('capabilities', () => {
  it('vCurrent and explicit sets with everything baremetal needs pass', () => {
    for (const baselineCapabilitySet of ['vCurrent', 'v4.16', 'v4.18']) {
      expect(paths({ ...base(), capabilities: { baselineCapabilitySet } })).toEqual([]);
    }
    const none = base();
    none.capabilities = {
      baselineCapabilitySet: 'None',
      additionalEnabledCapabilities: ['baremetal', 'MachineAPI', 'Ingress'],
    };
    expect(paths(none)).toEqual([]);
  });

  it('baselineCapabilitySet is a known set (an unknown one enables nothing, so Ingress is missing too)', () => {
    const ic = base();
    ic.capabilities = { baselineCapabilitySet: 'v4.99' };
    const vs = checkInstallConfig(ic);
    expect(vs.map((v) => v.path)).toEqual(['capabilities.baselineCapabilitySet', 'capabilities']);
    expect(vs[0]!.message).toMatch(/Unsupported value: "v4\.99": supported values: .*"vCurrent"/);
    expect(vs[1]!.message).toMatch(/Ingress capability is required/);
  });

  it('additionalEnabledCapabilities are known capabilities', () => {
    const ic = base();
    ic.capabilities = { baselineCapabilitySet: 'vCurrent', additionalEnabledCapabilities: ['machineapi'] };
    expectOnly(ic, 'capabilities.additionalEnabledCapabilities[0]', /Unsupported value: "machineapi"/);
  });

  it('platform baremetal with baseline None needs the baremetal capability', () => {
    const ic = base();
    ic.capabilities = { baselineCapabilitySet: 'None', additionalEnabledCapabilities: ['MachineAPI', 'Ingress'] };
    expectOnly(
      ic,
      'capabilities.additionalEnabledCapabilities',
      /platform baremetal requires the baremetal capability/,
    );
  });

  it('marketplace needs OperatorLifecycleManager', () => {
    const ic = base();
    ic.capabilities = {
      baselineCapabilitySet: 'v4.14',
      additionalEnabledCapabilities: ['Ingress'],
    };
    expectOnly(
      ic,
      'capabilities.additionalEnabledCapabilities',
      /marketplace capability requires the OperatorLifecycleManager/,
    );
  });

  it('Ingress is required', () => {
    const ic = base();
    ic.capabilities = { baselineCapabilitySet: 'v4.15' };
    expectOnly(ic, 'capabilities', /the Ingress capability is required/);
  });

  it('without MachineAPI the installer does not validate hosts', () => {
    const ic = base();
    ic.platform.baremetal.hosts[1].bootMACAddress = ic.platform.baremetal.hosts[0].bootMACAddress;
    expect(paths(ic)).toEqual(['platform.baremetal.hosts[1].bootMACAddress']);
    ic.capabilities = { baselineCapabilitySet: 'None', additionalEnabledCapabilities: ['baremetal', 'Ingress'] };
    expect(paths(ic)).toEqual([]);
  });
});

/** A valid two-node-with-fencing install-config: 2 masters on Redfish BMCs, two credentials, the gate on. */
function tnf(): Ic {
  const ic = base({ controlPlane: { count: 2 } });
  ic.featureSet = 'TechPreviewNoUpgrade';
  ic.controlPlane.fencing = {
    credentials: ic.platform.baremetal.hosts.map((h: Ic) => ({
      hostName: h.name,
      username: 'admin',
      password: 'password',
      address: h.bmc.address.replace('redfish-virtualmedia+', 'redfish+'),
    })),
  };
  return ic;
}

describe('two-node clusters', () => {
  it('a fenced two-node cluster passes', () => {
    expect(paths(tnf())).toEqual([]);
    const custom = tnf();
    custom.featureSet = 'CustomNoUpgrade';
    custom.featureGates = ['DualReplica=true'];
    expect(paths(custom)).toEqual([]);
  });

  it('fencing needs the DualReplica feature gate', () => {
    const ic = tnf();
    delete ic.featureSet;
    expectOnly(ic, 'controlPlane.fencing', /protected by the DualReplica feature gate/);
  });

  it('exactly two fencing credentials', () => {
    const ic = tnf();
    ic.controlPlane.fencing.credentials.push({
      ...ic.controlPlane.fencing.credentials[0],
      hostName: 'x',
      address: 'redfish+https://10.0.0.9/redfish/v1/Systems/1',
    });
    expectOnly(ic, 'controlPlane.fencing.credentials', /exactly two fencingCredentials .* instead 3/);
  });

  it('credential fields are required and hostName/address unique', () => {
    const ic = tnf();
    delete ic.controlPlane.fencing.credentials[1].password;
    expectOnly(ic, 'controlPlane.fencing.credentials[1].password', /missing password/);
    const dup = tnf();
    dup.controlPlane.fencing.credentials[1].hostName = dup.controlPlane.fencing.credentials[0].hostName;
    expectOnly(dup, 'controlPlane.fencing.credentials[1].hostName', /Duplicate value/);
  });

  it('fencing credentials point at a Redfish BMC', () => {
    const ic = tnf();
    ic.controlPlane.fencing.credentials[0].address = 'ipmi://192.168.111.1:6230';
    expectOnly(ic, 'controlPlane.fencing.credentials[0].address', /needs a Redfish BMC address/);
  });

  it('the control-plane hosts of a fenced two-node cluster have Redfish BMCs', () => {
    const ic = tnf();
    ic.platform.baremetal.hosts[1].bmc.address = 'ipmi://192.168.111.1:6231';
    expectOnly(
      ic,
      'platform.baremetal.hosts[1].bmc.address',
      /two-node cluster with fencing needs Redfish-compatible BMCs/,
    );
  });

  it('an arbiter needs its feature gate, a positive count, 2+ masters and a host', () => {
    const ic = base({ controlPlane: { count: 2 }, workers: { count: 1 } });
    ic.arbiter = { name: 'arbiter', replicas: 1 };
    ic.compute[0].replicas = 0;
    ic.platform.baremetal.hosts[2].role = 'arbiter';
    expectOnly(ic, 'arbiter', /HighlyAvailableArbiter feature must be enabled/);
    ic.featureSet = 'TechPreviewNoUpgrade';
    expect(paths(ic)).toEqual([]);
    const zero = structuredClone(ic);
    zero.arbiter.replicas = 0;
    expectOnly(zero, 'arbiter.replicas', /number of arbiter replicas must be positive/);
    const one = structuredClone(ic);
    one.controlPlane.replicas = 1;
    expectOnly(one, 'arbiter.replicas', /controlPlane replicas must be at least 2 for arbiter/);
    const named = structuredClone(ic);
    named.arbiter.name = 'judge';
    expectOnly(named, 'arbiter.name', /supported values: "arbiter"/);
    const noHost = structuredClone(ic);
    noHost.platform.baremetal.hosts[2].role = 'worker';
    expectOnly(
      noHost,
      'platform.baremetal.hosts',
      /not enough hosts found \(0\) to support all the configured Arbiter replicas \(1\)/,
    );
  });
});

describe('load balancer type', () => {
  it('type is OpenShiftManagedDefault or UserManaged', () => {
    for (const type of ['OpenShiftManagedDefault', 'UserManaged']) {
      expect(
        paths({ ...base(), platform: { baremetal: { ...base().platform.baremetal, loadBalancer: { type } } } }),
      ).toEqual([]);
    }
    const ic = base();
    ic.platform.baremetal.loadBalancer = { type: 'Keepalived' };
    expectOnly(ic, 'platform.baremetal.loadBalancer.type', /invalid load balancer type/);
  });

  it('UserManaged lets the VIPs leave the machine network and coincide; the default does not', () => {
    const ic = base();
    ic.platform.baremetal.apiVIPs = ['10.0.0.10'];
    ic.platform.baremetal.ingressVIPs = ['10.0.0.10'];
    expect(paths(ic)).toEqual([
      'platform.baremetal.apiVIPs[0]',
      'platform.baremetal.ingressVIPs[0]',
      'platform.baremetal.ingressVIPs[0]',
    ]);
    ic.platform.baremetal.loadBalancer = { type: 'OpenShiftManagedDefault' };
    expect(paths(ic)).toHaveLength(3);
    ic.platform.baremetal.loadBalancer = { type: 'UserManaged' };
    expect(paths(ic)).toEqual([]);
  });
});

describe('additionalNTPServers', () => {
  it('IPs and host names pass', () => {
    const ic = base();
    ic.platform.baremetal.additionalNTPServers = ['192.168.111.1', 'fd00::1', '0.pool.ntp.org', 'ntp.example.com.'];
    expect(paths(ic)).toEqual([]);
  });

  it('anything else names the entry', () => {
    const ic = base();
    ic.platform.baremetal.additionalNTPServers = ['192.168.111.1', 'NTP_server!'];
    expectOnly(ic, 'platform.baremetal.additionalNTPServers[1]', /NTP server is not a valid IP or domain name/);
  });

  it('like the installer, not checked without a provisioning network', () => {
    const ic = base({ networks: { provisioning: { mode: 'Disabled' } } });
    ic.platform.baremetal.additionalNTPServers = ['NTP_server!'];
    expect(paths(ic)).toEqual([]);
  });
});

const NMSTATE = {
  interfaces: [
    {
      name: 'enp2s0',
      type: 'ethernet',
      state: 'up',
      mtu: 1500,
      ipv4: { enabled: true, dhcp: false, address: [{ ip: '192.168.111.20', 'prefix-length': 24 }] },
    },
  ],
  'dns-resolver': { config: { server: ['192.168.111.1'] } },
  routes: {
    config: [{ destination: '0.0.0.0/0', 'next-hop-address': '192.168.111.1', 'next-hop-interface': 'enp2s0' }],
  },
};

describe('hosts[].networkConfig (nmstate)', () => {
  const withNc = (nc: unknown): Ic => {
    const ic = base();
    ic.platform.baremetal.hosts[0].networkConfig = nc;
    return ic;
  };
  const p = 'platform.baremetal.hosts[0].networkConfig';

  it('a static-IP nmstate document passes', () => expect(paths(withNc(structuredClone(NMSTATE)))).toEqual([]));

  it('must be a YAML mapping', () => {
    expectOnly(withNc('interfaces: []'), p, /Not a valid yaml: cannot unmarshal string/);
    expectOnly(withNc([NMSTATE]), p, /Not a valid yaml/);
  });

  it('mtu is an integer, as the installer checks', () => {
    const nc = structuredClone(NMSTATE);
    (nc.interfaces[0] as Ic).mtu = '1500';
    expectOnly(withNc(nc), `${p}.interfaces[0].mtu`, /^mtu must be an integer \(not quoted string\)$/);
    (nc.interfaces[0] as Ic).mtu = 'jumbo';
    expectOnly(withNc(nc), `${p}.interfaces[0].mtu`, /^mtu must be an integer$/);
    (nc.interfaces[0] as Ic).mtu = true;
    expectOnly(withNc(nc), `${p}.interfaces[0].mtu`, /mtu must be an integer, got bool/);
  });

  it('our structural nmstate checks: keys, names, states, addresses, routes, DNS', () => {
    const cases: [(nc: Ic) => void, string, RegExp][] = [
      [(nc) => (nc.interface = []), `${p}.interface`, /not an nmstate key/],
      [(nc) => delete nc.interfaces[0].name, `${p}.interfaces[0].name`, /needs a name/],
      [(nc) => nc.interfaces.push({ name: 'enp2s0' }), `${p}.interfaces[1].name`, /Duplicate value/],
      [(nc) => (nc.interfaces[0].state = 'on'), `${p}.interfaces[0].state`, /supported values: "up"/],
      [
        (nc) => (nc.interfaces[0].ipv4.address[0].ip = 'fd00::20'),
        `${p}.interfaces[0].ipv4.address[0].ip`,
        /not an IPv4 address/,
      ],
      [
        (nc) => (nc.interfaces[0].ipv4.address[0]['prefix-length'] = 33),
        `${p}.interfaces[0].ipv4.address[0].prefix-length`,
        /prefix length/,
      ],
      [(nc) => (nc.routes.config[0].destination = 'default'), `${p}.routes.config[0].destination`, /not a CIDR/],
      [
        (nc) => (nc['dns-resolver'].config.server = ['dns.example.com']),
        `${p}.dns-resolver.config.server[0]`,
        /not an IP/,
      ],
    ];
    for (const [breakIt, path, message] of cases) {
      const nc = structuredClone(NMSTATE) as Ic;
      breakIt(nc);
      expectOnly(withNc(nc), path, message);
    }
  });
});

describe('OS image URLs (form; the HEAD request is in os-images.test.ts)', () => {
  const sha = 'a'.repeat(64);
  it('http(s) with a 64-character sha256', () => {
    const ok = base();
    ok.platform.baremetal.clusterOSImage = `http://127.0.0.1/rhcos.qcow2.gz?sha256=${sha}`;
    expect(paths(ok)).toEqual([]);
    const scheme = base();
    scheme.platform.baremetal.clusterOSImage = `ftp://127.0.0.1/rhcos.qcow2.gz?sha256=${sha}`;
    expectOnly(scheme, 'platform.baremetal.clusterOSImage', /must begin with http\/https/);
    const missing = base();
    missing.platform.baremetal.bootstrapOSImage = 'https://127.0.0.1/qemu.qcow2.gz';
    expectOnly(missing, 'platform.baremetal.bootstrapOSImage', /sha256 parameter .* is missing/);
    const short = base();
    short.platform.baremetal.bootstrapOSImage = 'https://127.0.0.1/qemu.qcow2.gz?sha256=abc';
    expectOnly(short, 'platform.baremetal.bootstrapOSImage', /sha256 parameter .* is invalid/);
  });
});

describe('the new lab.yaml keys', () => {
  it('render into the installer fields', () => {
    const { r } = render({
      cluster: {
        capabilities: {
          baselineCapabilitySet: 'None',
          additionalEnabledCapabilities: ['baremetal', 'MachineAPI', 'Ingress'],
        },
      },
      networks: { ntpServers: ['192.168.111.1', 'pool.ntp.org'], baremetal: { loadBalancer: 'UserManaged' } },
    });
    const ic = r.installConfig as Ic;
    expect(ic.capabilities).toEqual({
      baselineCapabilitySet: 'None',
      additionalEnabledCapabilities: ['baremetal', 'MachineAPI', 'Ingress'],
    });
    expect(ic.platform.baremetal.loadBalancer).toEqual({ type: 'UserManaged' });
    expect(ic.platform.baremetal.additionalNTPServers).toEqual(['192.168.111.1', 'pool.ntp.org']);
    expect(r.files['install-config.yaml']).toMatch(/additionalNTPServers:\n\s+- 192\.168\.111\.1/);
  });

  it('ipi without MachineAPI is refused at cluster.capabilities', () => {
    const { m, r } = render({
      cluster: {
        capabilities: { baselineCapabilitySet: 'None', additionalEnabledCapabilities: ['baremetal', 'Ingress'] },
      },
    });
    expect(validateRendered(m, r).map((v) => v.path)).toEqual(['cluster.capabilities']);
  });

  it('installer refusals name the new lab.yaml keys', () => {
    const { m, r } = render({ cluster: { capabilities: { baselineCapabilitySet: 'v4.15' } } });
    expect(validateRendered(m, r).map((v) => v.path)).toEqual(['cluster.capabilities (install-config capabilities)']);
  });

  it('a networkConfig refusal names hosts.<name>.networkConfigFile', async () => {
    const { renderLab, buildModel, parseLab } = await import('../src/index.js');
    const m = buildModel(parseLab('hosts:\n  master-1:\n    networkConfigFile: m1.yaml\n'));
    const r = renderLab(m, { networkConfigs: { 'master-1': { interfaces: [{ name: 'eth0', mtu: '9000' }] } } });
    expect((r.installConfig as Ic).platform.baremetal.hosts[1].networkConfig).toEqual({
      interfaces: [{ name: 'eth0', mtu: '9000' }],
    });
    expect(validateRendered(m, r).map((v) => v.path)).toEqual([
      'hosts.master-1.networkConfigFile (install-config platform.baremetal.hosts[1].networkConfig.interfaces[0].mtu)',
    ]);
  });

  it('the schema refuses bad values by key', async () => {
    const { parseLab, LabFileError } = await import('../src/index.js');
    const refused = (text: string) => {
      try {
        parseLab(text);
      } catch (err) {
        expect(err).toBeInstanceOf(LabFileError);
        return (err as InstanceType<typeof LabFileError>).violations.map((v) => v.path);
      }
      return [];
    };
    expect(refused('networks:\n  ntpServers: ["NTP!"]\n')).toEqual(['networks.ntpServers.0']);
    expect(refused('networks:\n  baremetal:\n    loadBalancer: haproxy\n')).toEqual([
      'networks.baremetal.loadBalancer',
    ]);
    expect(refused('cluster:\n  capabilities:\n    baselineCapabilitySet: v9\n')).toEqual([
      'cluster.capabilities.baselineCapabilitySet',
    ]);
    expect(
      refused('cluster:\n  capabilities:\n    baselineCapabilitySet: None\n    additionalEnabledCapabilities: [Foo]\n'),
    ).toEqual(['cluster.capabilities.additionalEnabledCapabilities.0']);
  });

  it('lab check reads them from YAML text', async () => {
    const vs = await checkInstallConfigText('apiVersion: v1\ncapabilities: [x]\n');
    expect(vs.map((v) => v.path)).toContain('capabilities');
  });
});

describe('upi has no platform.baremetal', () => {
  it('refuses the ipi-only keys instead of dropping them', () => {
    const { m, r } = render({
      mode: 'upi',
      networks: {
        provisioning: { mode: 'Unmanaged' },
        ntpServers: ['192.168.111.1'],
        baremetal: { loadBalancer: 'UserManaged' },
      },
      hosts: { 'master-0': { networkConfigFile: 'm0.yaml' } },
    });
    expect(validateRendered(m, r).map((v) => v.path)).toEqual([
      'networks.ntpServers',
      'networks.baremetal.loadBalancer',
      'hosts.master-0.networkConfigFile',
    ]);
  });
});
