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
            apiVIPs: fc.constantFrom(['192.168.111.5'], ['192.168.111.200'], ['10.10.0.5']),
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
        const { junk, ipiOnly, upiKeepsIpiOnly, ...rest } = gen;
        const { ntpServers, loadBalancer, nmstate } =
          rest.mode === 'upi' && upiKeepsIpiOnly !== 0 ? {} : (ipiOnly ?? {});
        const networks = {
          ...rest.networks,
          ...(ntpServers ? { ntpServers } : {}),
          ...(loadBalancer ? { baremetal: { ...rest.networks?.baremetal, loadBalancer } } : {}),
        };
        const withIpi = {
          ...rest,
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
          expect(checkInstallConfig(parse(r.files['install-config.yaml']!))).toEqual([]);
        } else {
          refused++;
          for (const v of vs) expect(namesKey(v.path, input), v.path).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // the generator exercises both sides
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });

  it('rendering is deterministic', () => {
    fc.assert(
      fc.property(labArb, (gen) => {
        const { junk: _junk, ipiOnly: _ipiOnly, upiKeepsIpiOnly: _keep, ...input } = gen;
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
