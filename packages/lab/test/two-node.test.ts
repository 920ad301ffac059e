/**
 * Two-node clusters from lab.yaml (issue #11): `controlPlane.fencing` and the `arbiter` role render what the
 * installer asks for, `up`'s plan creates their VMs and BMC registrations, and every lab.yaml mistake about
 * them is refused by key. Plus the dual-stack VIP family order rule, one failing install-config per case.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegistry } from '@bmc-emu/manage';
import type { LibvirtSnapshot } from '@bmc-emu/libvirt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildModel,
  checkInstallConfig,
  desiredObjects,
  labBmcRecords,
  LabFileError,
  parseLab,
  planUp,
  registerBmcs,
  renderLab,
  StateFile,
  validateRendered,
} from '../src/index.js';
import { model, render } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary install-config fields
type Ic = Record<string, any>;

const TNF = { controlPlane: { count: 2, fencing: {} } };
const TNA = { controlPlane: { count: 2 }, arbiter: { count: 1 } };

const paths = (input: object) => {
  const { m, r } = render(input);
  return validateRendered(m, r).map((v) => v.path);
};

describe('two-node with fencing', () => {
  it("credentials name each master's own Redfish system and account; verification follows bmc.caFile", () => {
    const m = model({ ...TNF, hosts: { 'master-1': { bmc: { kind: 'ipmi', username: 'm1', password: 'm1-pw' } } } });
    const ic = renderLab(m).installConfig as Ic;
    const [c0, c1] = ic.controlPlane.fencing.credentials;
    expect(c0).toEqual({
      hostName: 'master-0',
      username: 'admin',
      password: 'password',
      address: `redfish+https://192.168.111.1:8000/redfish/v1/Systems/${m.nodes[0]!.uuid}`,
      certificateVerification: 'Disabled',
    });
    // an ipmi host is still fenced through its Redfish address (and the installer's rule refuses its ipmi BMC)
    expect(c1).toMatchObject({ hostName: 'master-1', username: 'm1', password: 'm1-pw' });
    expect(c1.address).toBe(`redfish+https://192.168.111.1:8000/redfish/v1/Systems/${m.nodes[1]!.uuid}`);
    const withCa = renderLab(m, { caPem: '-----BEGIN CERTIFICATE-----\n' }).installConfig as Ic;
    expect(withCa.controlPlane.fencing.credentials[0].certificateVerification).toBe('Enabled');
    expect(validateRendered(m, renderLab(m)).map((v) => v.path)).toEqual([
      'bmc.kind (or <role>.bmc / hosts.<name>.bmc) (install-config platform.baremetal.hosts[1].bmc.address)',
    ]);
  });

  it('http BMCs give http fencing addresses; featureSet is TechPreviewNoUpgrade unless lab.yaml picks one', () => {
    const ic = render({ ...TNF, bmc: { tls: false, redfishPort: 8443 } }).r.installConfig as Ic;
    expect(ic.controlPlane.fencing.credentials[0].address).toMatch(/^redfish\+http:\/\/192\.168\.111\.1:8443\//);
    expect(ic.featureSet).toBe('TechPreviewNoUpgrade');
    const custom = render({ ...TNF, cluster: { featureSet: 'CustomNoUpgrade', featureGates: ['DualReplica=true'] } });
    expect((custom.r.installConfig as Ic).featureSet).toBe('CustomNoUpgrade');
    expect((custom.r.installConfig as Ic).featureGates).toEqual(['DualReplica=true']);
    expect(validateRendered(custom.m, custom.r)).toEqual([]);
    expect((render().r.installConfig as Ic).featureSet).toBeUndefined();
  });

  it('the gate missing (CustomNoUpgrade without DualReplica) is refused naming cluster.featureSet', () => {
    expect(paths({ ...TNF, cluster: { featureSet: 'CustomNoUpgrade', featureGates: ['Other=true'] } })).toEqual([
      'cluster.featureSet (install-config controlPlane.fencing)',
    ]);
  });

  it('needs exactly 2 control-plane hosts, each fenced once', () => {
    expect(paths({ controlPlane: { count: 3, fencing: {} } })).toEqual([
      'controlPlane.fencing',
      'controlPlane.fencing.hosts (install-config controlPlane.fencing.credentials)',
    ]);
    // the unknown host gets no credential, so the installer's count rule fires as well
    expect(paths({ controlPlane: { count: 2, fencing: { hosts: ['master-0', 'worker-0'] } } })).toEqual([
      'controlPlane.fencing.hosts.1',
      'controlPlane.fencing.hosts (install-config controlPlane.fencing.credentials)',
    ]);
    expect(paths({ controlPlane: { count: 2, fencing: { hosts: ['master-0', 'master-0'] } } })).toEqual([
      'controlPlane.fencing.hosts.1',
      'controlPlane.fencing.hosts (install-config controlPlane.fencing.credentials[1].hostName)',
      'controlPlane.fencing.hosts (install-config controlPlane.fencing.credentials[1].address)',
    ]);
    expect(() => parseLab('controlPlane: { count: 2, fencing: { host: [master-0] } }')).toThrow(LabFileError);
  });

  it('upi (platform none) refuses fencing and an arbiter by key', () => {
    const upi = { mode: 'upi', networks: { provisioning: { mode: 'Unmanaged' } } };
    expect(paths({ ...upi, ...TNF })).toContain('controlPlane.fencing');
    expect(paths({ ...upi, ...TNA })).toContain('arbiter.count');
  });
});

describe('two-node with arbiter', () => {
  it('an arbiter host with its own size, in the arbiter pool, after the masters in plan order', () => {
    const m = model({
      ...TNA,
      arbiter: { count: 1, vcpus: 2, memoryMiB: 4096, disksGiB: [30] },
      workers: { count: 1 },
    });
    expect(m.nodes.map((n) => [n.name, n.role, n.ordinal, n.spec.memoryMiB])).toEqual([
      ['master-0', 'master', 0, 16384],
      ['master-1', 'master', 1, 16384],
      ['arbiter-0', 'arbiter', 2, 4096],
      ['worker-0', 'worker', 3, 8192],
    ]);
    const r = renderLab(m);
    expect((r.installConfig as Ic).arbiter).toEqual({ name: 'arbiter', replicas: 1, platform: { baremetal: {} } });
    expect(validateRendered(m, r)).toEqual([]);
    expect(r.files['libvirt/domains/lab-arbiter-0.xml']).toMatch(/<memory unit="MiB">4096<\/memory>/);
    expect(r.files['libvirt/domains/lab-arbiter-0.xml']).toMatch(/role="arbiter" host="arbiter-0"/);
    const nodes = JSON.parse(r.files['nodes.json']!) as { nodes: { name: string; properties: { cpus: number } }[] };
    expect(nodes.nodes.map((n) => [n.name, n.properties.cpus])).toContainEqual(['lab-arbiter-0', 2]);
  });

  it("lab up's plan creates the arbiter's volume and domain", () => {
    const { m, r } = render({ ...TNA, arbiter: { count: 1, disksGiB: [30] } });
    const d = desiredObjects(m, r);
    const empty: LibvirtSnapshot = { networks: new Map(), domains: new Map(), pools: new Map() };
    const steps = planUp('lab', d, { snapshot: empty, volumes: [], state: [] })
      .filter((s) => s.action === 'create')
      .map((s) => `${s.kind} ${s.name}`);
    expect(steps).toContain('volume lab-arbiter-0-disk0.qcow2');
    expect(steps).toContain('domain lab-arbiter-0');
    expect(d.volumes.find((v) => v.name === 'lab-arbiter-0-disk0.qcow2')?.gib).toBe(30);
  });

  it('--memory / --disk shrink the arbiter too', () => {
    const lab = parseLab('controlPlane: { count: 2 }\narbiter: { count: 1 }\n', 'lab.yaml', {
      memoryMiB: 256,
      diskGiB: 1,
    });
    expect([lab.arbiter.memoryMiB, lab.arbiter.disksGiB]).toEqual([256, [1]]);
  });

  it('an arbiter with fewer than 2 masters is refused naming controlPlane.count', () => {
    expect(paths({ controlPlane: { count: 1 }, arbiter: { count: 1 } })).toEqual([
      'controlPlane.count',
      'arbiter.count (install-config arbiter.replicas)',
    ]);
  });

  it('the arbiter gate missing is refused naming cluster.featureSet', () => {
    expect(paths({ ...TNA, cluster: { featureSet: 'CustomNoUpgrade', featureGates: ['DualReplica=true'] } })).toEqual([
      'cluster.featureSet (install-config arbiter)',
    ]);
  });
});

describe('BMC registrations of two-node labs (offline registry)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('every node, the arbiter included, gets its BMC with the account its fencing credential names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-2node-'));
    dirs.push(dir);
    const m = buildModel(
      parseLab(
        [
          `stateDir: ${join(dir, 'lab')}`,
          'bmc: { host: 127.0.0.1, ipmiBasePort: 7300 }',
          'controlPlane: { count: 2, fencing: {}, bmc: { username: cp, password: cp-pass } }',
          'arbiter: { count: 1 }',
          "hosts: { 'master-1': { bmc: { username: m1, password: m1-pass } } }",
          // fencing and an arbiter together are not a topology the installer knows, but registration does not care
          '',
        ].join('\n'),
      ),
    );
    const state = await StateFile.open(m.lab.stateDir, m.lab.name, 'qemu:///system');
    expect((await registerBmcs(m, join(dir, 'serve'), state)).added).toEqual([
      'lab-master-0',
      'lab-master-1',
      'lab-arbiter-0',
    ]);
    const reg = await readRegistry(join(dir, 'serve', 'bmcs.json'));
    const creds = (renderLab(m).installConfig as Ic).controlPlane.fencing.credentials as Ic[];
    for (const c of creds) {
      const b = reg.bmcs.find((x) => x.node === `lab-${c.hostName}`)!;
      expect([b.user, b.password]).toEqual([c.username, c.password]);
    }
    expect(labBmcRecords(m).map((b) => [b.node, b.ipmi.port])).toEqual([
      ['lab-master-0', 7300],
      ['lab-master-1', 7301],
      ['lab-arbiter-0', 7302],
    ]);
  });
});

describe('dual stack: the first VIP is of the primary family of every network list', () => {
  const DUAL = {
    networks: { baremetal: { ipv4: { cidr: '192.168.111.0/24' }, ipv6: { cidr: 'fd2e:6f44:5dd8:c956::/120' } } },
  };
  const base = (): Ic => structuredClone(render(DUAL).r.installConfig) as Ic;
  const found = (ic: Ic) => checkInstallConfig(ic).map((v) => [v.path, v.value, v.message]);

  it('the dual-stack default passes', () => expect(found(base())).toEqual([]));

  it('an IPv6 API VIP first, the networks IPv4-primary: one violation per network list', () => {
    const ic = base();
    ic.platform.baremetal.apiVIPs = ['fd2e:6f44:5dd8:c956::5', '192.168.111.5'];
    const v6 = 'fd2e:6f44:5dd8:c956::5';
    expect(found(ic)).toEqual(
      ['clusterNetwork', 'machineNetwork', 'serviceNetwork'].map((n) => [
        'platform.baremetal.apiVIPs',
        v6,
        `${n} primary IP Family and primary IP family for the API VIP should match`,
      ]),
    );
  });

  it('a single IPv6 Ingress VIP on an IPv4-primary dual stack', () => {
    const ic = base();
    ic.platform.baremetal.ingressVIPs = ['fd2e:6f44:5dd8:c956::4'];
    expect(found(ic).map((f) => f[2])).toEqual([
      'clusterNetwork primary IP Family and primary IP family for the Ingress VIP should match',
      'machineNetwork primary IP Family and primary IP family for the Ingress VIP should match',
      'serviceNetwork primary IP Family and primary IP family for the Ingress VIP should match',
    ]);
  });

  it('only the network list whose primary differs is named (the installer test with a v4-first serviceNetwork)', () => {
    const ic = base();
    ic.networking.machineNetwork.reverse();
    ic.networking.clusterNetwork.reverse();
    ic.platform.baremetal.apiVIPs.reverse();
    ic.platform.baremetal.ingressVIPs.reverse();
    expect(found(ic).map((f) => f[2])).toEqual([
      'serviceNetwork primary IP Family and primary IP family for the API VIP should match',
      'serviceNetwork primary IP Family and primary IP family for the Ingress VIP should match',
    ]);
    ic.networking.serviceNetwork.reverse();
    expect(found(ic)).toEqual([]);
  });

  it('single stack: no family order to keep', () => {
    const ic = structuredClone(render().r.installConfig) as Ic;
    ic.networking.serviceNetwork.push('fd02::/112');
    // (IPv6 service network on an IPv4 lab is wrong for other reasons; the VIP rule looks at service networks)
    expect(found(ic).filter((f) => String(f[2]).includes('primary IP Family'))).toEqual([]);
  });

  it('from lab.yaml: VIPs written IPv6 first are refused naming networks.baremetal.apiVIPs', () => {
    const { m, r } = render({
      networks: {
        baremetal: { ...DUAL.networks.baremetal, apiVIPs: ['fd2e:6f44:5dd8:c956::5', '192.168.111.5'] },
      },
    });
    const vs = validateRendered(m, r);
    expect(vs.map((v) => v.path)).toEqual(
      Array(3).fill('networks.baremetal.apiVIPs (install-config platform.baremetal.apiVIPs)'),
    );
    expect(parse(r.files['install-config.yaml']!).platform.baremetal.apiVIPs[0]).toBe('fd2e:6f44:5dd8:c956::5');
  });
});

describe('featureSet / featureGates (installer rules)', () => {
  const ic = (): Ic => structuredClone(render().r.installConfig) as Ic;
  it('featureGates need CustomNoUpgrade, each `name=bool`; featureSet is a known set', () => {
    const a = ic();
    a.featureGates = ['DualReplica=true'];
    expect(checkInstallConfig(a).map((v) => [v.path, v.message])).toEqual([
      ['featureGates', 'Forbidden: featureGates can only be used with the CustomNoUpgrade feature set'],
    ]);
    a.featureSet = 'CustomNoUpgrade';
    a.featureGates = ['DualReplica=true', 'Broken'];
    expect(checkInstallConfig(a).map((v) => [v.path, v.message])).toEqual([
      ['featureGates[1]', 'must match the format <feature-name>=<bool>'],
    ]);
    const b = ic();
    b.featureSet = 'Preview';
    expect(checkInstallConfig(b).map((v) => v.path)).toEqual(['featureSet']);
  });
});
