import type { LabInput } from '../src/index.js';

/** The labs whose install-config.yaml is kept as a reviewed golden file. */
export const GOLDEN_LABS: Record<string, LabInput> = {
  default: {},
  'dual-stack': {
    name: 'dual',
    workers: { count: 2 },
    networks: {
      baremetal: {
        ipv4: { cidr: '192.168.111.0/24' },
        ipv6: { cidr: 'fd2e:6f44:5dd8:c956::/120' },
      },
      provisioning: { cidr: 'fd00:1101::/64', mode: 'Managed' },
    },
  },
  'provisioning-disabled': {
    name: 'novm',
    baseDomain: 'lab.test',
    bmc: { host: '192.168.111.1', username: 'root', password: 'calvin' },
    controlPlane: { firmware: 'bios' },
    workers: { count: 1, secureBoot: true },
    networks: {
      baremetal: { forward: 'isolated' },
      provisioning: {
        mode: 'Disabled',
        clusterProvisioningIP: '192.168.111.3',
        bootstrapProvisioningIP: '192.168.111.2',
      },
    },
  },
  // two-node with fencing: each master on its own BMC account, fenced through its own Redfish address
  'two-node-fencing': {
    name: 'tnf',
    bmc: { host: '192.168.111.1' },
    controlPlane: { count: 2, bmc: { kind: 'redfish', username: 'cp', password: 'cp-pass' }, fencing: {} },
    hosts: { 'master-1': { bmc: { username: 'm1', password: 'm1-pass' } } },
  },
  // two-node with arbiter: a smaller third host in the arbiter pool
  'two-node-arbiter': {
    name: 'tna',
    controlPlane: { count: 2 },
    arbiter: { count: 1, vcpus: 2, memoryMiB: 8192, disksGiB: [50] },
  },
};
