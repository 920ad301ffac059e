import { z } from 'zod';
import { parseCidr, parseIp } from './ip.js';
import { placementProblem } from './placement.js';
import { BASELINE_CAPABILITY_SETS, KNOWN_CAPABILITIES } from './validate/capabilities.js';
import { LOAD_BALANCER_TYPES } from './validate/load-balancer.js';
import { isNtpServer } from './validate/ntp.js';

/** lab.yaml: one schema; every field is documented in docs/lab.md. */

const ip = z.string().refine((s) => parseIp(s) !== undefined, 'an IPv4 or IPv6 address');
const cidr = z.string().refine((s) => parseCidr(s) !== undefined, 'a CIDR such as 192.168.111.0/24');
/** libvirt network and bridge names are the same; Linux interface names are at most 15 characters. */
const ifName = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,14}$/, 'a bridge name: a letter, then letters, digits, - or _, at most 15 chars');
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and -, at most 63 chars');

export const FEATURE_SETS = ['TechPreviewNoUpgrade', 'DevPreviewNoUpgrade', 'CustomNoUpgrade'] as const;

export const BMC_KINDS = ['redfish-virtualmedia', 'redfish', 'ipmi'] as const;
export type BmcKind = (typeof BMC_KINDS)[number];

/** How the installer reaches one host's BMC (all optional: role, then lab-wide values fill in). */
const bmcOverride = z
  .object({
    kind: z.enum(BMC_KINDS).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  })
  .strict();

const roleShape = (count: number, memoryMiB: number, diskGiB: number, vcpus = 4) => ({
  count: z.number().int().min(0).max(64).default(count),
  vcpus: z.number().int().min(1).max(256).default(vcpus),
  memoryMiB: z.number().int().min(128).max(4_194_304).default(memoryMiB),
  /** One entry per disk, in GiB; the first is the root disk. */
  disksGiB: z.array(z.number().int().min(1).max(65_536)).min(1).max(8).default([diskGiB]),
  firmware: z.enum(['uefi', 'bios']).default('uefi'),
  secureBoot: z.boolean().default(false),
  bmc: bmcOverride.default({}),
});

const noSecureBootOnBios = {
  check: (r: { secureBoot: boolean; firmware: string }) => !(r.secureBoot && r.firmware === 'bios'),
  params: { message: 'secure boot needs firmware: uefi', path: ['secureBoot'] },
};

const roleSpec = (count: number, memoryMiB: number, diskGiB: number, vcpus = 4) =>
  z
    .object(roleShape(count, memoryMiB, diskGiB, vcpus))
    .strict()
    .refine(noSecureBootOnBios.check, noSecureBootOnBios.params);

/**
 * Two-node OpenShift with fencing (TNF): install-config `controlPlane.fencing.credentials`, one per host, each
 * the lab's own Redfish address of that node and the BMC account the lab registers for it.
 */
const fencingSpec = z
  .object({
    /** The control-plane hosts fenced (default: every one; the installer wants exactly two). */
    hosts: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const controlPlaneSpec = z
  .object({ ...roleShape(3, 16_384, 120), fencing: fencingSpec.optional() })
  .strict()
  .refine(noSecureBootOnBios.check, noSecureBootOnBios.params);

const stackSpec = z
  .object({
    cidr,
    /** Default: the first host address of the CIDR. */
    gateway: ip.optional(),
    /** `[first, last]` of libvirt's DHCP pool. Default: the upper half of the CIDR. */
    dhcpRange: z.tuple([ip, ip]).optional(),
  })
  .strict();

export const LAB_ROLES = ['bootstrap', 'master', 'arbiter', 'worker', 'extra'] as const;

/**
 * One libvirt host of a lab spread over several (`libvirt.hypervisors`): `count` takes that many nodes in
 * plan order, `roles` every node of those roles. Not `hosts:` (that key is the per-host BMC override map).
 */
const labHypervisor = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, '1-63 letters, digits, ".", "_" or "-"'),
    /** A libvirt URI as libvirt users write it: qemu:///system, qemu+ssh://root@hv2/system, qemu+tcp://... */
    uri: z.string().min(1),
    count: z.number().int().min(0).max(10_000).optional(),
    roles: z.array(z.enum(LAB_ROLES)).min(1).optional(),
  })
  .strict()
  .refine((h) => (h.count === undefined) !== (h.roles === undefined), {
    message: 'give each hypervisor either count (nodes in plan order) or roles (every node of those roles)',
    path: ['count'],
  });

export const labSchema = z
  .object({
    /** Cluster name (install-config metadata.name); also the tag on every libvirt object the lab makes. */
    name: dnsLabel.default('lab'),
    baseDomain: z.string().min(1).default('example.com'),
    mode: z.enum(['ipi', 'upi']).default('ipi'),
    libvirt: z
      .object({
        uris: z.array(z.string().min(1)).min(1).default(['qemu:///system']),
        /** Several libvirt hosts: where each node goes (docs/lab.md); absent, every node is on `uris[0]`. */
        hypervisors: z
          .array(labHypervisor)
          .min(1)
          .superRefine((list, ctx) => {
            const seen = new Set<string>();
            list.forEach((h, i) => {
              if (seen.has(h.name))
                ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${h.name}" is named twice` });
              seen.add(h.name);
            });
          })
          .optional(),
        /** The storage pool for the lab's disks (created as a `dir` pool when missing). */
        pool: z
          .object({
            name: ifName.optional(),
            path: z.string().min(1).default('/var/lib/libvirt/images/bmc-emu'),
          })
          .strict()
          .prefault({}),
        /** Domain type: `kvm` on real hosts, `qemu` (TCG) where KVM is unavailable. */
        domainType: z.enum(['kvm', 'qemu']).default('kvm'),
      })
      .strict()
      .prefault({}),
    /** Where `bmc-emu serve` answers, as the installer and Ironic reach it. */
    bmc: z
      .object({
        host: ip.optional(),
        redfishPort: z.number().int().min(1).max(65535).default(8000),
        tls: z.boolean().default(true),
        ipmiBasePort: z.number().int().min(1).max(65535).default(6230),
        kind: z.enum(BMC_KINDS).default('redfish-virtualmedia'),
        username: z.string().min(1).default('admin'),
        password: z.string().min(1).default('password'),
        /** The `bmc-emu serve --state-dir` whose BMC registry `up` adds the lab's BMCs to (`down` removes them). */
        serveStateDir: z.string().min(1).default('.bmc-emu'),
        /** PEM file of the Redfish CA (`bmc-emu ca > ca.pem`) written as bmcVerifyCA; else verification is off. */
        caFile: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    controlPlane: controlPlaneSpec.prefault({}),
    /** Two-node with arbiter (TNA): a small third host (role `arbiter`) that runs etcd only. */
    arbiter: roleSpec(0, 8_192, 50, 2).prefault({}),
    workers: roleSpec(0, 8_192, 120).prefault({}),
    /** Spare hosts: VMs with BMCs, left out of install-config, written as BareMetalHost manifests. */
    extra: roleSpec(0, 8_192, 120).prefault({}),
    /** Per-host BMC overrides, by host name (`master-0`, `worker-1`, `extra-0`). */
    hosts: z
      .record(
        z.string(),
        z
          .object({
            bmc: bmcOverride.default({}),
            /** NMState YAML for the host's first boot (install-config hosts[].networkConfig). */
            networkConfigFile: z.string().min(1).optional(),
          })
          .strict(),
      )
      .default({}),
    networks: z
      .object({
        baremetal: z
          .object({
            /** libvirt network name = bridge name (the installer looks the bridge up by it). Default `<name>bm`. */
            name: ifName.optional(),
            ipv4: stackSpec.optional(),
            ipv6: stackSpec.optional(),
            /** One per address family; default: .5 of each CIDR. */
            apiVIPs: z.array(ip).min(1).max(2).optional(),
            /** One per address family; default: .4 of each CIDR. */
            ingressVIPs: z.array(ip).min(1).max(2).optional(),
            forward: z.enum(['nat', 'isolated']).default('nat'),
            /** install-config platform.baremetal.loadBalancer.type; UserManaged: you serve the VIPs. */
            loadBalancer: z.enum(LOAD_BALANCER_TYPES).optional(),
          })
          .strict()
          .prefault({}),
        provisioning: z
          .object({
            mode: z.enum(['Managed', 'Unmanaged', 'Disabled']).default('Managed'),
            /** Default `<name>pr`. */
            name: ifName.optional(),
            cidr: cidr.default('172.22.0.0/24'),
            /** `[first, last]` of Ironic's DHCP pool (Managed); default .10 to .254-ish. */
            dhcpRange: z.tuple([ip, ip]).optional(),
            /** Default: .3 of the CIDR. */
            clusterProvisioningIP: ip.optional(),
            /** Default: .2 of the CIDR. */
            bootstrapProvisioningIP: ip.optional(),
            /** Serve our DHCP/TFTP/HTTP on this network (always in upi mode; never with Managed). */
            serve: z.boolean().default(false),
          })
          .strict()
          .prefault({}),
        /** install-config platform.baremetal.additionalNTPServers: IPs or host names. */
        ntpServers: z
          .array(z.string().refine(isNtpServer, 'an IP address or a lower-case host name'))
          .min(1)
          .optional(),
      })
      .strict()
      .prefault({}),
    cluster: z
      .object({
        networkType: z.string().min(1).default('OVNKubernetes'),
        clusterNetwork: z
          .array(z.object({ cidr, hostPrefix: z.number().int().min(1).max(128) }).strict())
          .min(1)
          .optional(),
        serviceNetwork: z.array(cidr).min(1).optional(),
        /** install-config featureSet; default: TechPreviewNoUpgrade when fencing or an arbiter needs its gate. */
        featureSet: z.enum(FEATURE_SETS).optional(),
        /** install-config featureGates (`Name=true`), with featureSet CustomNoUpgrade. */
        featureGates: z
          .array(z.string().regex(/^[A-Za-z0-9]+=(true|false)$/i, 'a gate as `Name=true` or `Name=false`'))
          .min(1)
          .optional(),
        /** install-config capabilities (default: the installer's, vCurrent). */
        capabilities: z
          .object({
            baselineCapabilitySet: z.enum(BASELINE_CAPABILITY_SETS as [string, ...string[]]),
            additionalEnabledCapabilities: z.array(z.enum(KNOWN_CAPABILITIES as [string, ...string[]])).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /** File holding the pull secret; without it install-config gets `{"auths":{}}` (fine for a lab). */
    pullSecretFile: z.string().min(1).optional(),
    /** Public SSH key file for `core@` on every node. */
    sshKeyFile: z.string().min(1).optional(),
    /** Optional OS images: the lab is creatable with none. */
    images: z
      .object({
        bootstrapOSImage: z.string().url().optional(),
        clusterOSImage: z.string().url().optional(),
        /** upi: the PXE kernel, initrd and rootfs each role's iPXE script boots. */
        kernel: z.string().url().optional(),
        initrd: z.string().url().optional(),
        rootfs: z.string().url().optional(),
      })
      .strict()
      .prefault({}),
    /** Where `lab up` keeps its state file and per-VM files (nvram, serial logs). */
    stateDir: z.string().min(1).default('.bmc-emu-lab'),
  })
  .strict()
  .superRefine((lab, ctx) => {
    const problem = placementProblem(lab);
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['libvirt', 'hypervisors', ...problem.path], message: problem.message });
  });

export type LabInput = z.input<typeof labSchema>;
export type Lab = z.output<typeof labSchema>;
/** The sizing and BMC keys every role has (controlPlane adds `fencing`). */
export type RoleSpec = Lab['workers'];
