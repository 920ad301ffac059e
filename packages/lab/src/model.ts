import { labMac, labUuid } from './identity.js';
import { canonicalCidr, type Cidr, cidrSize, formatIp, nthHost, parseCidr, parseIp } from './ip.js';
import { type LabHypervisor, type LabRole, labHypervisors, placeNodes } from './placement.js';
import type { BmcKind, Lab, RoleSpec } from './schema.js';

export type { LabRole } from './placement.js';

export interface LabStack {
  family: 4 | 6;
  cidr: Cidr;
  /** Without host bits. */
  network: string;
  prefix: number;
  gateway: string;
  dhcpRange: [string, string];
}

export interface LabNic {
  network: string;
  mac: string;
}

export interface LabNode {
  /** Host name in install-config and DNS (`master-0`). */
  name: string;
  /** libvirt domain name (`<lab>-master-0`). */
  domain: string;
  role: LabRole;
  index: number;
  /** Position among all nodes of the lab (IPMI port offset). */
  ordinal: number;
  uuid: string;
  spec: RoleSpec;
  /** In the order the installer expects: provisioning first when it exists. */
  nics: LabNic[];
  bootMac: string;
  baremetalMac: string;
  /** Reserved addresses on the baremetal network, one per stack. */
  ips: string[];
  bmc: { kind: BmcKind; username: string; password: string; address: string };
  /** The libvirt host its domain, disks and networks are on. */
  hypervisor: LabHypervisor;
}

export interface LabModel {
  lab: Lab;
  baremetal: {
    name: string;
    forward: 'nat' | 'isolated';
    stacks: LabStack[];
    apiVIPs: string[];
    ingressVIPs: string[];
  };
  provisioning: {
    mode: 'Managed' | 'Unmanaged' | 'Disabled';
    name: string;
    cidr: Cidr;
    network: string;
    dhcpRange: [string, string];
    clusterProvisioningIP: string;
    bootstrapProvisioningIP: string;
    /** Our DHCP/TFTP/HTTP serve it (upi, or asked for). */
    served: boolean;
  };
  clusterNetwork: { cidr: string; hostPrefix: number }[];
  serviceNetwork: string[];
  poolName: string;
  nodes: LabNode[];
  /** Two-node with fencing: the fenced hosts' names (`controlPlane.fencing.hosts`, default every master). */
  fencing?: { hosts: string[] };
  bmcHost: string;
  /** Every libvirt host of the lab (the first one also when it has no node). */
  hypervisors: LabHypervisor[];
}

const host = (c: Cidr, n: number | bigint) => formatIp(nthHost(c, n));

function stack(
  spec: { cidr: string; gateway?: string; dhcpRange?: [string, string] } | undefined,
): LabStack | undefined {
  if (!spec) return undefined;
  const c = parseCidr(spec.cidr)!;
  const size = cidrSize(c);
  const half = size / 2n;
  return {
    family: c.family,
    cidr: c,
    network: canonicalCidr(c),
    prefix: c.prefix,
    gateway: spec.gateway ?? host(c, 1),
    dhcpRange: spec.dhcpRange ?? [host(c, half), host(c, size > 4n ? size - 2n : 1n)],
  };
}

function ipv6Url(h: string): string {
  return parseIp(h)?.family === 6 ? `[${h}]` : h;
}

/** The BMC URL the installer and Ironic use, in metal3's exact form per kind. */
export function bmcAddress(kind: BmcKind, h: string, lab: Lab, uuid: string, ordinal: number): string {
  const hp = ipv6Url(h);
  if (kind === 'ipmi') return `ipmi://${hp}:${lab.bmc.ipmiBasePort + ordinal}`;
  const scheme = lab.bmc.tls ? 'https' : 'http';
  return `${kind}+${scheme}://${hp}:${lab.bmc.redfishPort}/redfish/v1/Systems/${uuid}`;
}

const ROLES: { role: LabRole; key: 'controlPlane' | 'arbiter' | 'workers' | 'extra' }[] = [
  { role: 'master', key: 'controlPlane' },
  { role: 'arbiter', key: 'arbiter' },
  { role: 'worker', key: 'workers' },
  { role: 'extra', key: 'extra' },
];

/** Everything `render` and `up` derive from lab.yaml, computed once (pure, deterministic). */
export function buildModel(lab: Lab): LabModel {
  const bm = lab.networks.baremetal;
  const v4 = stack(bm.ipv4 ?? (bm.ipv6 ? undefined : { cidr: '192.168.111.0/24' }));
  const v6 = stack(bm.ipv6);
  const stacks = [v4, v6].filter((s): s is LabStack => s !== undefined);
  const pr = lab.networks.provisioning;
  const prCidr = parseCidr(pr.cidr)!;
  const prSize = cidrSize(prCidr);
  const prEnd = prSize > 16n ? prSize - 2n : prSize - 1n;
  const provisioning = {
    mode: pr.mode,
    name: pr.name ?? `${lab.name.slice(0, 13)}pr`,
    cidr: prCidr,
    network: canonicalCidr(prCidr),
    dhcpRange: pr.dhcpRange ?? ([host(prCidr, prSize > 16n ? 10 : 2), host(prCidr, prEnd)] as [string, string]),
    // Disabled: Ironic's services run on the machine network, so the defaults come from there
    clusterProvisioningIP: pr.clusterProvisioningIP ?? host(pr.mode === 'Disabled' ? stacks[0]!.cidr : prCidr, 3),
    bootstrapProvisioningIP: pr.bootstrapProvisioningIP ?? host(pr.mode === 'Disabled' ? stacks[0]!.cidr : prCidr, 2),
    served: lab.mode === 'upi' || pr.serve,
  };
  const baremetalName = bm.name ?? `${lab.name.slice(0, 13)}bm`;
  const bmcHost = lab.bmc.host ?? stacks[0]!.gateway;

  const usedMacs = new Set<string>();
  const mac = (seed: string): string => {
    let m = labMac(seed);
    for (let i = 1; usedMacs.has(m); i++) m = labMac(`${seed}#${i}`);
    usedMacs.add(m);
    return m;
  };

  const nodes: LabNode[] = [];
  const placed = placeNodes(lab);
  let ordinal = 0;
  const roles = [
    ...(lab.mode === 'upi' ? [{ role: 'bootstrap' as const, spec: { ...lab.controlPlane, count: 1 } }] : []),
    ...ROLES.map(({ role, key }) => ({ role, spec: lab[key] })),
  ];
  for (const { role, spec } of roles) {
    for (let index = 0; index < spec.count; index++) {
      const name = `${role}-${index}`;
      const seed = `${lab.name}/${role}/${index}`;
      const uuid = labUuid(seed);
      const nics: LabNic[] = [];
      if (provisioning.mode !== 'Disabled') nics.push({ network: provisioning.name, mac: mac(`${seed}/provisioning`) });
      const baremetalMac = mac(`${seed}/baremetal`);
      nics.push({ network: baremetalName, mac: baremetalMac });
      const over = lab.hosts[name]?.bmc ?? {};
      const kind = over.kind ?? spec.bmc.kind ?? lab.bmc.kind;
      // node addresses sit after the VIPs and below the DHCP range: .20, .21, ...
      const ips = stacks.map((s) => host(s.cidr, 20 + ordinal));
      nodes.push({
        name,
        domain: `${lab.name}-${name}`,
        role,
        index,
        ordinal,
        uuid,
        spec,
        nics,
        bootMac: nics[0]!.mac,
        baremetalMac,
        ips,
        bmc: {
          kind,
          username: over.username ?? spec.bmc.username ?? lab.bmc.username,
          password: over.password ?? spec.bmc.password ?? lab.bmc.password,
          address: bmcAddress(kind, bmcHost, lab, uuid, ordinal),
        },
        hypervisor: placed[ordinal]!,
      });
      ordinal++;
    }
  }

  const fam = new Set(stacks.map((s) => s.family));
  const clusterNetwork =
    lab.cluster.clusterNetwork ??
    [
      fam.has(4) ? { cidr: '10.128.0.0/14', hostPrefix: 23 } : undefined,
      fam.has(6) ? { cidr: 'fd01::/48', hostPrefix: 64 } : undefined,
    ].filter((x): x is { cidr: string; hostPrefix: number } => x !== undefined);
  const serviceNetwork =
    lab.cluster.serviceNetwork ??
    [fam.has(4) ? '172.30.0.0/16' : undefined, fam.has(6) ? 'fd02::/112' : undefined].filter(
      (x): x is string => x !== undefined,
    );

  return {
    lab,
    baremetal: {
      name: baremetalName,
      forward: bm.forward,
      stacks,
      apiVIPs: bm.apiVIPs ?? stacks.map((s) => host(s.cidr, 5)),
      ingressVIPs: bm.ingressVIPs ?? stacks.map((s) => host(s.cidr, 4)),
    },
    provisioning,
    clusterNetwork,
    serviceNetwork,
    poolName: lab.libvirt.pool.name ?? `${lab.name.slice(0, 10)}-pool`,
    nodes,
    ...(lab.controlPlane.fencing
      ? {
          fencing: {
            hosts: lab.controlPlane.fencing.hosts ?? nodes.filter((n) => n.role === 'master').map((n) => n.name),
          },
        }
      : {}),
    bmcHost,
    hypervisors: labHypervisors(lab),
  };
}
