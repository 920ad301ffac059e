import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parse } from 'yaml';
import {
  buildModel,
  checkInstallConfig,
  LabFileError,
  labSchema,
  parseLab,
  renderLab,
  validateRendered,
} from '../src/index.js';

const TOP_KEYS = [...Object.keys(labSchema.shape), '<role>', 'line'];
/** A violation path starts with a lab.yaml key: the schema's, or one the file itself wrote. */
const namesKey = (path: string, input: object) =>
  [...TOP_KEYS, ...Object.keys(input)].includes(path.split(/[.\s[]/)[0]!);

const roleArb = fc.record(
  {
    count: fc.integer({ min: 0, max: 6 }),
    memoryMiB: fc.integer({ min: 128, max: 65536 }),
    disksGiB: fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 3 }),
    firmware: fc.constantFrom('uefi', 'bios'),
    secureBoot: fc.boolean(),
    bmc: fc.record({ kind: fc.constantFrom('redfish-virtualmedia', 'redfish', 'ipmi') }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const labArb = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/),
    mode: fc.constantFrom('ipi', 'upi'),
    controlPlane: roleArb,
    // two-node topologies: fencing on the control plane (default hosts, or a list that may name a wrong host)
    // (mostly with the 2 control-plane hosts it needs; else the generated count, usually refused)
    fencing: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 5 },
      { arbitrary: fc.record({ spec: fc.constant({}), two: fc.constant(true) }), weight: 3 },
      {
        arbitrary: fc.record({
          spec: fc.constantFrom({}, { hosts: ['master-0', 'master-1'] }, { hosts: ['master-1', 'worker-0'] }),
          two: fc.boolean(),
        }),
        weight: 1,
      },
    ),
    arbiter: fc.record(
      {
        count: fc.oneof(
          { arbitrary: fc.constant(0), weight: 5 },
          { arbitrary: fc.constant(1), weight: 3 },
          { arbitrary: fc.constant(2), weight: 1 },
        ),
        vcpus: fc.integer({ min: 1, max: 8 }),
        memoryMiB: fc.integer({ min: 128, max: 16384 }),
        disksGiB: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    // featureSet / featureGates, merged into cluster: mostly none (render then picks TechPreviewNoUpgrade when
    // a two-node topology needs it), a right CustomNoUpgrade, or gates without CustomNoUpgrade (refused)
    features: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      {
        arbitrary: fc.constantFrom({ featureSet: 'TechPreviewNoUpgrade' }, { featureSet: 'DevPreviewNoUpgrade' }),
        weight: 2,
      },
      {
        arbitrary: fc.constantFrom(
          { featureSet: 'CustomNoUpgrade', featureGates: ['DualReplica=true', 'HighlyAvailableArbiter=true'] },
          { featureSet: 'CustomNoUpgrade', featureGates: ['DualReplica=true'] },
        ),
        weight: 2,
      },
      { arbitrary: fc.constant({ featureGates: ['DualReplica=true'] }), weight: 1 },
    ),
    workers: roleArb,
    extra: roleArb,
    bmc: fc.record(
      {
        host: fc.constantFrom('192.168.111.1', '127.0.0.1', 'fd00::1'),
        tls: fc.boolean(),
        kind: fc.constantFrom('redfish-virtualmedia', 'redfish', 'ipmi'),
      },
      { requiredKeys: [] },
    ),
    networks: fc.record(
      {
        baremetal: fc.record(
          {
            ipv4: fc.record({
              cidr: fc.constantFrom('192.168.111.0/24', '10.10.0.0/16', '192.168.5.0/26', '172.22.0.0/24'),
            }),
            ipv6: fc.record({ cidr: fc.constantFrom('fd2e:6f44:5dd8:c956::/120', 'fd00:abcd::/64') }),
            forward: fc.constantFrom('nat', 'isolated'),
            apiVIPs: fc.oneof(
              { arbitrary: fc.constantFrom(['192.168.111.5'], ['192.168.111.200'], ['10.10.0.5']), weight: 6 },
              // dual stack: the IPv4 VIP first is right, the IPv6 one first breaks the family order rule
              {
                arbitrary: fc.constantFrom(
                  ['192.168.111.5', 'fd2e:6f44:5dd8:c956::5'],
                  ['fd2e:6f44:5dd8:c956::5', '192.168.111.5'],
                ),
                weight: 1,
              },
            ),
          },
          { requiredKeys: [] },
        ),
        provisioning: fc.record(
          {
            mode: fc.constantFrom('Managed', 'Unmanaged', 'Disabled'),
            cidr: fc.constantFrom('172.22.0.0/24', '172.22.0.8/24', 'fd00:1101::/64', '192.168.111.0/25'),
            serve: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    cluster: fc.record(
      {
        capabilities: fc.oneof(
          {
            arbitrary: fc.constantFrom(
              { baselineCapabilitySet: 'vCurrent' },
              { baselineCapabilitySet: 'None', additionalEnabledCapabilities: ['baremetal', 'MachineAPI', 'Ingress'] },
              {
                baselineCapabilitySet: 'v4.14',
                additionalEnabledCapabilities: ['Ingress', 'OperatorLifecycleManager'],
              },
            ),
            weight: 9,
          },
          {
            arbitrary: fc.constantFrom(
              { baselineCapabilitySet: 'None', additionalEnabledCapabilities: ['Ingress'] },
              { baselineCapabilitySet: 'v4.15' },
            ),
            weight: 1,
          },
        ),
      },
      { requiredKeys: [] },
    ),
    images: fc.record(
      {
        clusterOSImage: fc.oneof(
          { arbitrary: fc.constant(`http://127.0.0.1/rhcos.qcow2.gz?sha256=${'0'.repeat(64)}`), weight: 7 },
          { arbitrary: fc.constant('http://127.0.0.1/rhcos.qcow2.gz'), weight: 1 },
        ),
        bootstrapOSImage: fc.oneof(
          { arbitrary: fc.constant(`https://127.0.0.1/qemu.qcow2.gz?sha256=${'1'.repeat(64)}`), weight: 7 },
          { arbitrary: fc.constant('https://127.0.0.1/q?sha256=12'), weight: 1 },
        ),
      },
      { requiredKeys: [] },
    ),
    // ipi-only keys (platform baremetal; upi refuses them by key), merged into networks / hosts below
    ipiOnly: fc.record(
      {
        ntpServers: fc.oneof(
          { arbitrary: fc.constantFrom(['192.168.111.1'], ['pool.ntp.org', 'fd00::1']), weight: 9 },
          { arbitrary: fc.constant(['Bad_Name']), weight: 1 },
        ),
        loadBalancer: fc.constantFrom('OpenShiftManagedDefault', 'UserManaged'),
        // an NMState file for master-0 (hosts.master-0.networkConfigFile): valid, a quoted MTU, not a mapping
        nmstate: fc.oneof(
          {
            arbitrary: fc.constant({ interfaces: [{ name: 'enp2s0', type: 'ethernet', state: 'up', mtu: 1500 }] }),
            weight: 5,
          },
          {
            arbitrary: fc.constantFrom(
              { interfaces: [{ name: 'enp2s0', type: 'ethernet', state: 'up', mtu: '1500' }] },
              'interfaces: []',
            ),
            weight: 1,
          },
        ),
      },
      { requiredKeys: [] },
    ),
    // a upi lab keeps them one time in six (and must then be refused)
    upiKeepsIpiOnly: fc.integer({ min: 0, max: 5 }),
    // junk that must be refused by key
    junk: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 4 },
      {
        arbitrary: fc.constantFrom({ colour: 'red' }, { controlPlane: { count: 'three' } }, { name: 'UPPER' }),
        weight: 1,
      },
    ),
  },
  { requiredKeys: [] },
);

describe('generated lab.yaml files', () => {
  it('every accepted lab yields an install-config our validator passes; every refusal names a key', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(labArb, (gen) => {
        const { junk, ipiOnly, upiKeepsIpiOnly, fencing: fencingGen, arbiter: arbiterGen, features, ...rest } = gen;
        // two-node topologies are ipi-only too: a upi lab keeps them one time in six as well
        const upiDrops = rest.mode === 'upi' && upiKeepsIpiOnly !== 0;
        const { ntpServers, loadBalancer, nmstate } = upiDrops ? {} : (ipiOnly ?? {});
        const fencing = upiDrops ? undefined : fencingGen;
        const arbiter = upiDrops ? undefined : arbiterGen;
        const networks = {
          ...rest.networks,
          ...(ntpServers ? { ntpServers } : {}),
          ...(loadBalancer ? { baremetal: { ...rest.networks?.baremetal, loadBalancer } } : {}),
        };
        const withIpi = {
          ...rest,
          ...(arbiter ? { arbiter } : {}),
          ...(fencing
            ? { controlPlane: { ...rest.controlPlane, ...(fencing.two ? { count: 2 } : {}), fencing: fencing.spec } }
            : {}),
          ...(features ? { cluster: { ...rest.cluster, ...features } } : {}),
          ...(Object.keys(networks).length > 0 ? { networks } : {}),
          ...(nmstate === undefined ? {} : { hosts: { 'master-0': { networkConfigFile: 'm0.yaml' } } }),
        };
        const input = junk ? { ...withIpi, ...junk } : withIpi;
        let lab;
        try {
          lab = parseLab(stringify(input), 'lab.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(LabFileError);
          refused++;
          for (const v of (err as LabFileError).violations) expect(namesKey(v.path, input), v.path).toBe(true);
          return;
        }
        const m = buildModel(lab);
        const r = renderLab(m, nmstate === undefined ? {} : { networkConfigs: { 'master-0': nmstate } });
        const vs = validateRendered(m, r);
        if (vs.length === 0) {
          accepted++;
          // what lands on disk (YAML text, read back) passes too
          const ic = parse(r.files['install-config.yaml']!);
          expect(checkInstallConfig(ic)).toEqual([]);
          if (ic.controlPlane.fencing) {
            // each credential is the lab's own Redfish address and account of a master
            for (const c of ic.controlPlane.fencing.credentials) {
              const n = m.nodes.find((x) => x.name === c.hostName)!;
              expect([n.role, c.username, c.password]).toEqual(['master', n.bmc.username, n.bmc.password]);
              expect(c.address).toMatch(new RegExp(`^redfish\\+https?://.*/redfish/v1/Systems/${n.uuid}$`));
            }
          }
        } else {
          refused++;
          for (const v of vs) expect(namesKey(v.path, input), v.path).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
    // the generator exercises both sides (the two-node property below makes sure those are accepted)
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });

  it("every well-formed two-node lab (fencing or arbiter) is accepted, its credentials its masters' BMCs", () => {
    const account = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
    const twoNodeArb = fc.record({
      kind: fc.constantFrom('fencing', 'arbiter'),
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
      bmc: fc.record({ host: fc.constantFrom('192.168.111.1', '127.0.0.1'), tls: fc.boolean() }),
      cpKind: fc.constantFrom('redfish', 'redfish-virtualmedia'),
      cpAccount: fc.record({ username: account, password: account }),
      m1Account: fc.option(fc.record({ username: account, password: account }), { nil: undefined }),
      firmware: fc.constantFrom('uefi', 'bios'),
      arbiter: fc.record({ vcpus: fc.integer({ min: 1, max: 8 }), memoryMiB: fc.integer({ min: 128, max: 16384 }) }),
      workers: fc.integer({ min: 0, max: 2 }),
      dualStack: fc.boolean(),
      provisioning: fc.constantFrom('Managed', 'Unmanaged', 'Disabled'),
    });
    fc.assert(
      fc.property(twoNodeArb, (g) => {
        const input = {
          name: g.name,
          bmc: g.bmc,
          controlPlane: {
            count: 2,
            firmware: g.firmware,
            // Disabled provisioning needs virtual media (plain redfish is refused, rightly)
            bmc: { kind: g.provisioning === 'Disabled' ? 'redfish-virtualmedia' : g.cpKind, ...g.cpAccount },
            ...(g.kind === 'fencing' ? { fencing: {} } : {}),
          },
          ...(g.kind === 'arbiter' ? { arbiter: { count: 1, ...g.arbiter } } : {}),
          workers: { count: g.workers },
          ...(g.m1Account ? { hosts: { 'master-1': { bmc: g.m1Account } } } : {}),
          networks: {
            baremetal: g.dualStack
              ? { ipv4: { cidr: '192.168.111.0/24' }, ipv6: { cidr: 'fd2e:6f44:5dd8:c956::/120' } }
              : {},
            provisioning: { mode: g.provisioning },
          },
        };
        const m = buildModel(parseLab(stringify(input), 'lab.yaml'));
        const r = renderLab(m);
        expect(validateRendered(m, r)).toEqual([]);
        const ic = parse(r.files['install-config.yaml']!);
        expect(checkInstallConfig(ic)).toEqual([]);
        expect(ic.featureSet).toBe('TechPreviewNoUpgrade');
        if (g.kind === 'arbiter') {
          expect(ic.arbiter.replicas).toBe(1);
          expect(ic.controlPlane.fencing).toBeUndefined();
          return;
        }
        const masters = m.nodes.filter((n) => n.role === 'master');
        expect(ic.controlPlane.fencing.credentials).toEqual(
          masters.map((n) => ({
            hostName: n.name,
            username: n.bmc.username,
            password: n.bmc.password,
            address: `redfish+http${g.bmc.tls ? 's' : ''}://${g.bmc.host}:8000/redfish/v1/Systems/${n.uuid}`,
            certificateVerification: 'Disabled',
          })),
        );
        expect(masters[1]!.bmc.username).toBe(g.m1Account?.username ?? g.cpAccount.username);
      }),
      { numRuns: 100 },
    );
  });

  it('rendering is deterministic', () => {
    fc.assert(
      fc.property(labArb, (gen) => {
        const { junk: _junk, ipiOnly: _ipiOnly, upiKeepsIpiOnly: _keep, fencing, features: _f, ...rest } = gen;
        const input = fencing ? { ...rest, controlPlane: { ...rest.controlPlane, fencing: fencing.spec } } : rest;
        let lab;
        try {
          lab = parseLab(stringify(input));
        } catch {
          return;
        }
        expect(renderLab(buildModel(lab)).files).toEqual(renderLab(buildModel(lab)).files);
      }),
      { numRuns: 50 },
    );
  });
});
