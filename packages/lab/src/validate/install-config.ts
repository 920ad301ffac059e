import {
  type Cidr,
  cidrContains,
  cidrsOverlap,
  canonicalCidr,
  hasHostBits,
  ipInRange,
  parseCidr,
  parseIp,
} from '../ip.js';
import { parseBmcAddress } from './bmc-url.js';
import { checkCapabilities, enabledCapabilities } from './capabilities.js';
import { checkFeatureSet } from './feature-set.js';
import { checkLoadBalancer, isUserManaged } from './load-balancer.js';
import { checkNetworkConfig } from './network-config.js';
import { checkNtpServers } from './ntp.js';
import { arr, isObj, type Obj, str } from './obj.js';
import { checkOsImagesReachable, osImageUriProblem, type ReachOptions } from './os-images.js';
import { checkTwoNode } from './two-node.js';
import type { Violation } from './violation.js';

/**
 * A port of openshift-install's rules for `platform: baremetal` (pkg/types/baremetal/validation/platform.go,
 * the VIP rules of pkg/types/validation/installconfig.go) plus the network overlap rules, over a parsed
 * install-config of any origin. Paths and wording follow the installer's field.ErrorList.
 */

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROVISIONING_MODES = ['Managed', 'Unmanaged', 'Disabled'];
const BOOT_MODES = ['', 'UEFI', 'UEFISecureBoot', 'legacy'];

export interface CheckOptions {
  /** The installer looks `externalBridge`/`provisioningBridge` up on the libvirt host; pass a lookup to do the same. */
  bridgeExists?: (name: string) => boolean;
  /** Also HEAD the OS image URLs, as the installer does (only the async entry points can). */
  head?: ReachOptions;
}

interface Nets {
  machine: Cidr[];
  cluster: Cidr[];
  service: Cidr[];
}

function networks(ic: Obj, out: Violation[]): Nets {
  const n = isObj(ic.networking) ? ic.networking : {};
  const read = (key: string, list: unknown[], pick: (e: unknown) => unknown): Cidr[] =>
    list.flatMap((e, i) => {
      const text = str(pick(e));
      const c = text === undefined ? undefined : parseCidr(text);
      if (!c) {
        out.push({
          path: `networking.${key}[${i}]${key === 'serviceNetwork' ? '' : '.cidr'}`,
          value: pick(e),
          message: 'invalid CIDR address',
          fix: 'write a CIDR such as 192.168.111.0/24',
        });
        return [];
      }
      return [c];
    });
  const machine = read('machineNetwork', arr(n.machineNetwork), (e) => (isObj(e) ? e.cidr : undefined));
  if (arr(n.machineNetwork).length === 0) {
    out.push({
      path: 'networking.machineNetwork',
      value: n.machineNetwork,
      message: 'at least one machine network is required',
      fix: 'list the baremetal network CIDR(s) under networking.machineNetwork',
    });
  }
  return {
    machine,
    cluster: read('clusterNetwork', arr(n.clusterNetwork), (e) => (isObj(e) ? e.cidr : undefined)),
    service: read('serviceNetwork', arr(n.serviceNetwork), (e) => e),
  };
}

function checkVips(bm: Obj, nets: Nets, out: Violation[]): void {
  // with a user-managed load balancer the VIPs may be outside the machine networks and may coincide
  const ownLb = isUserManaged(bm);
  const lists: Record<string, string[]> = {};
  for (const key of ['apiVIPs', 'ingressVIPs'] as const) {
    const path = `platform.baremetal.${key}`;
    const raw = bm[key];
    const legacy = str(bm[key.slice(0, -1)]);
    const list = Array.isArray(raw) ? raw : legacy !== undefined ? [legacy] : [];
    if (list.length === 0) {
      out.push({
        path,
        value: raw,
        message: `must specify at least one VIP for the ${key === 'apiVIPs' ? 'API' : 'Ingress'}`,
        fix: `set ${key} to one free address of the machine network`,
      });
      continue;
    }
    if (list.length > 2) {
      out.push({
        path,
        value: list,
        message: 'too many VIPs: at most one per IP family',
        fix: 'keep one IPv4 and/or one IPv6 VIP',
      });
    }
    const fams = new Set<number>();
    lists[key] = [];
    list.forEach((v, i) => {
      const ip = parseIp(String(v));
      if (!ip) {
        out.push({
          path: `${path}[${i}]`,
          value: v,
          message: `"${String(v)}" is not a valid IP`,
          fix: 'write an IPv4 or IPv6 address',
        });
        return;
      }
      if (fams.has(ip.family)) {
        out.push({
          path,
          value: list,
          message: 'If two VIPs are given, one must be IPv4 and the other IPv6',
          fix: `keep one VIP per IP family in ${key}`,
        });
      }
      fams.add(ip.family);
      lists[key]!.push(String(v));
      if (!ownLb && nets.machine.length > 0 && !nets.machine.some((c) => cidrContains(c, ip))) {
        out.push({
          path: `${path}[${i}]`,
          value: v,
          message: `IP expected to be in one of the machine networks: ${nets.machine.map(canonicalCidr).join(',')}`,
          fix: 'pick a free address inside networking.machineNetwork',
        });
      }
    });
  }
  checkVipFamilyOrder(bm, nets, out);
  const api = new Set(lists.apiVIPs ?? []);
  (lists.ingressVIPs ?? []).forEach((v, i) => {
    if (!ownLb && api.has(v)) {
      out.push({
        path: `platform.baremetal.ingressVIPs[${i}]`,
        value: v,
        message: 'IP for ingress duplicates an API VIP; the API and Ingress VIPs must be different',
        fix: 'give the Ingress its own address',
      });
    }
  });
}

/**
 * Dual stack (the service networks hold both families): the first VIP of each list is of the primary (first
 * listed) family of the cluster, machine and service networks. Ported from openshift/installer
 * pkg/types/validation/installconfig.go `validateAPIAndIngressVIPs`, in the version whose installconfig_test.go
 * expects "<network> primary IP Family and primary IP family for the API VIP should match" once per network
 * (clusterNetwork, machineNetwork, serviceNetwork), for any number of VIPs. The older version checked a single
 * VIP against the machine network only ("VIP for the API must be of the same IP family with machine network's
 * primary IP Family for dual-stack IPv4/IPv6"); this one is its superset.
 */
function checkVipFamilyOrder(bm: Obj, nets: Nets, out: Violation[]): void {
  const families = new Set(nets.service.map((c) => c.family));
  if (!families.has(4) || !families.has(6)) return;
  for (const [key, what] of [
    ['apiVIPs', 'API'],
    ['ingressVIPs', 'Ingress'],
  ] as const) {
    const first = arr(bm[key])[0];
    const ip = parseIp(String(first));
    if (!ip) continue;
    for (const [name, list] of [
      ['clusterNetwork', nets.cluster],
      ['machineNetwork', nets.machine],
      ['serviceNetwork', nets.service],
    ] as const) {
      const primary = list[0]?.family;
      if (primary === undefined || primary === ip.family) continue;
      out.push({
        path: `platform.baremetal.${key}`,
        value: first,
        message: `${name} primary IP Family and primary IP family for the ${what} VIP should match`,
        fix: `list the IPv${primary} VIP first in ${key}, or the IPv${ip.family} network first in networking.${name}`,
      });
    }
  }
}

function checkHosts(ic: Obj, bm: Obj, out: Violation[]): void {
  const hosts = bm.hosts;
  if (!Array.isArray(hosts)) {
    out.push({
      path: 'platform.baremetal.hosts',
      value: hosts,
      message: 'bare metal hosts are missing',
      fix: 'list one entry per machine under hosts',
    });
    return;
  }
  const seen: Record<string, Map<string, number>> = {
    name: new Map(),
    bootMACAddress: new Map(),
    'bmc.address': new Map(),
  };
  const replicas = (v: unknown) => (isObj(v) && typeof v.replicas === 'number' ? v.replicas : 0);
  const needMasters = replicas(ic.controlPlane);
  const needWorkers = arr(ic.compute).reduce<number>((s, c) => s + replicas(c), 0);
  const needArbiters = replicas(ic.arbiter);
  let masters = 0;
  let arbiters = 0;
  let workers = 0;
  hosts.forEach((h, i) => {
    const base = `platform.baremetal.hosts[${i}]`;
    const host = isObj(h) ? h : {};
    const bmc = isObj(host.bmc) ? host.bmc : {};
    const role = str(host.role) ?? '';
    if (role === 'master') masters++;
    else if (role === 'arbiter') arbiters++;
    else if (role === 'worker') workers++;
    else if (role === '') {
      if (masters < needMasters) masters++;
      else if (arbiters < needArbiters) arbiters++;
      else if (workers < needWorkers) workers++;
    }
    const required: [string, unknown][] = [
      ['name', host.name],
      ['bootMACAddress', host.bootMACAddress],
      ['bmc.address', bmc.address],
      ['bmc.username', bmc.username],
      ['bmc.password', bmc.password],
    ];
    for (const [key, value] of required) {
      if (typeof value !== 'string' || value === '') {
        out.push({
          path: `${base}.${key}`,
          value,
          message: `missing ${key.split('.').pop()}`,
          fix: `set ${key} for this host`,
        });
        continue;
      }
      const map = seen[key];
      if (map) {
        const norm = key === 'bootMACAddress' ? value.toLowerCase() : value;
        const first = map.get(norm);
        if (first !== undefined) {
          out.push({
            path: `${base}.${key}`,
            value,
            message: `Duplicate value (already used by hosts[${first}])`,
            fix: `give every host its own ${key}`,
          });
        } else map.set(norm, i);
      }
    }
    const name = str(host.name);
    if (name && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) {
      out.push({
        path: `${base}.name`,
        value: name,
        message:
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        fix: 'rename the host, e.g. master-0',
      });
    }
    const mac = str(host.bootMACAddress);
    if (mac && !MAC.test(mac)) {
      out.push({
        path: `${base}.bootMACAddress`,
        value: mac,
        message: 'invalid MAC address',
        fix: 'write six hex pairs separated by colons, e.g. 52:54:00:aa:bb:cc',
      });
    }
    const address = str(bmc.address);
    const parsed = address ? parseBmcAddress(address) : undefined;
    if (parsed && !parsed.ok) {
      out.push({
        path: `${base}.bmc.address`,
        value: address,
        message: parsed.error,
        fix: 'use ipmi://host:port, redfish+https://host:port/redfish/v1/Systems/<id> or redfish-virtualmedia+https://...',
      });
    }
    const bootMode = host.bootMode === undefined ? '' : String(host.bootMode);
    if (!BOOT_MODES.includes(bootMode)) {
      out.push({
        path: `${base}.bootMode`,
        value: host.bootMode,
        message: `Unsupported value: "${bootMode}": supported values: "UEFI", "UEFISecureBoot", "legacy"`,
        fix: 'use UEFI, UEFISecureBoot or legacy',
      });
    } else if (bootMode === 'UEFISecureBoot' && parsed?.ok && parsed.bmc.driver.supportsSecureBoot === false) {
      out.push({
        path: `${base}.bootMode`,
        value: bootMode,
        message: `driver ${parsed.bmc.driver.driver} does not support UEFI secure boot`,
        fix: 'use a redfish BMC address for this host, or bootMode UEFI',
      });
    }
    const hints = isObj(host.rootDeviceHints) ? host.rootDeviceHints : undefined;
    const dev = str(hints?.deviceName);
    if (dev) {
      const sub = dev.startsWith('/dev/') ? dev.slice(5) : undefined;
      if (sub === undefined) {
        out.push({
          path: `${base}.rootDeviceHints.deviceName`,
          value: dev,
          message: 'Device Name of root device hint must be a /dev/ path',
          fix: 'write e.g. /dev/vda',
        });
      } else if (sub.replace(/^disk\/by-path\//, '').includes('/')) {
        out.push({
          path: `${base}.rootDeviceHints.deviceName`,
          value: dev,
          message: 'Device Name of root device hint must be path in /dev/ or /dev/disk/by-path/',
          fix: 'write e.g. /dev/vda or /dev/disk/by-path/...',
        });
      }
    }
  });
  const pools = {
    master: ['ControlPlane', 'controlPlane.'],
    arbiter: ['Arbiter', 'arbiter.'],
    worker: ['Compute', 'compute[].'],
  };
  const count = (have: number, need: number, what: keyof typeof pools) => {
    if (have < need) {
      out.push({
        path: 'platform.baremetal.hosts',
        value: `${have} ${what} host(s)`,
        message: `not enough hosts found (${have}) to support all the configured ${pools[what][0]} replicas (${need})`,
        fix: `add ${what} hosts or lower ${pools[what][1]}replicas`,
      });
    }
  };
  count(masters, needMasters, 'master');
  count(arbiters, needArbiters, 'arbiter');
  count(workers, needWorkers, 'worker');
}

function checkProvisioning(bm: Obj, nets: Nets, opts: CheckOptions, out: Violation[]): void {
  const p = 'platform.baremetal';
  const mode = bm.provisioningNetwork === undefined ? 'Managed' : String(bm.provisioningNetwork);
  if (!PROVISIONING_MODES.includes(mode)) {
    out.push({
      path: `${p}.provisioningNetwork`,
      value: bm.provisioningNetwork,
      message: `Unsupported value: "${mode}": supported values: "Disabled", "Managed", "Unmanaged"`,
      fix: 'use Managed, Unmanaged or Disabled',
    });
    return;
  }
  const cluster = str(bm.clusterProvisioningIP) ?? str(bm.provisioningHostIP);
  const bootstrap = str(bm.bootstrapProvisioningIP);
  for (const [key, v] of [
    ['clusterProvisioningIP', cluster],
    ['bootstrapProvisioningIP', bootstrap],
  ] as const) {
    if (v !== undefined && !parseIp(v))
      out.push({
        path: `${p}.${key}`,
        value: v,
        message: `"${v}" is not a valid IP`,
        fix: 'write an IPv4 or IPv6 address',
      });
  }
  const inMachine = (v: string) => nets.machine.some((c) => cidrContains(c, parseIp(v)));
  const hosts = arr(bm.hosts);
  if (mode === 'Disabled') {
    hosts.forEach((h, i) => {
      const address = isObj(h) && isObj(h.bmc) ? str(h.bmc.address) : undefined;
      const parsed = address ? parseBmcAddress(address) : undefined;
      if (parsed?.ok && parsed.bmc.driver.requiresProvisioningNetwork) {
        out.push({
          path: `${p}.hosts[${i}].bmc`,
          value: address,
          message: `driver ${parsed.bmc.driver.driver} requires provisioning network`,
          fix: 'use a virtual-media BMC (redfish-virtualmedia+https://...) for every host, or a provisioning network',
        });
      }
    });
    for (const [key, v] of [
      ['clusterProvisioningIP', cluster],
      ['bootstrapProvisioningIP', bootstrap],
    ] as const) {
      if (v && parseIp(v) && !inMachine(v)) {
        out.push({
          path: `${p}.${key}`,
          value: v,
          message: 'provisioning network is disabled, IP expected to be in one of the machine networks',
          fix: 'pick a free address in the machine network',
        });
      }
    }
    return;
  }
  const cidrText = str(bm.provisioningNetworkCIDR) ?? '172.22.0.0/24';
  const c = parseCidr(cidrText);
  if (!c) {
    out.push({
      path: `${p}.provisioningNetworkCIDR`,
      value: bm.provisioningNetworkCIDR,
      message: 'invalid CIDR address',
      fix: 'write a CIDR such as 172.22.0.0/24',
    });
    return;
  }
  if (mode === 'Managed' && c.family === 6 && c.prefix < 64) {
    out.push({
      path: `${p}.provisioningNetworkCIDR`,
      value: cidrText,
      message: 'provisioningNetworkCIDR mask must be greater than or equal to 64 for IPv6 networks',
      fix: 'use a /64 or longer prefix',
    });
  }
  if (hasHostBits(c)) {
    out.push({
      path: `${p}.provisioningNetworkCIDR`,
      value: cidrText,
      message: `provisioningNetworkCIDR has host bits set, expected ${canonicalCidr(c)}`,
      fix: `write ${canonicalCidr(c)}`,
    });
  }
  for (const [what, list] of [
    ['machine', nets.machine],
    ['cluster', nets.cluster],
    ['service', nets.service],
  ] as const) {
    const hit = list.find((n) => cidrsOverlap(n, c));
    if (hit) {
      out.push({
        path: `${p}.provisioningNetworkCIDR`,
        value: cidrText,
        message: `cannot overlap with ${what} network ${canonicalCidr(hit)}`,
        fix: 'pick a provisioning CIDR outside the machine, cluster and service networks',
      });
    }
  }
  const family = (v: string | undefined) => (v ? parseIp(v)?.family : undefined);
  for (const [key, v] of [
    ['clusterProvisioningIP', cluster],
    ['bootstrapProvisioningIP', bootstrap],
  ] as const) {
    if (v === undefined || !parseIp(v)) continue;
    if (family(v) !== c.family) {
      out.push({
        path: `${p}.${key}`,
        value: v,
        message: `"${v}" is not of the provisioning network's IP family (IPv${c.family})`,
        fix: `use an IPv${c.family} address inside ${cidrText}`,
      });
    } else if (!cidrContains(c, parseIp(v))) {
      out.push({
        path: `${p}.${key}`,
        value: v,
        message: `"${v}" is not in the provisioning network`,
        fix: `pick an address inside ${cidrText}`,
      });
    }
    if (key === 'bootstrapProvisioningIP' && inMachine(v)) {
      out.push({
        path: `${p}.${key}`,
        value: v,
        message: 'the IP must not be in one of the machine networks',
        fix: `pick an address inside ${cidrText}`,
      });
    }
  }
  const range = str(bm.provisioningDHCPRange);
  if (range !== undefined && range !== '') {
    const parts = range.split(',');
    if (parts.length !== 2) {
      out.push({
        path: `${p}.provisioningDHCPRange`,
        value: range,
        message: 'provisioning DHCP range should be in format: start_ip,end_ip',
        fix: 'write start,end e.g. 172.22.0.10,172.22.0.254',
      });
    } else {
      const ips = parts.map((s) => parseIp(s));
      const bad = parts.find((s, i) => !ips[i]);
      const outside = parts.find((s, i) => ips[i] && !cidrContains(c, ips[i]));
      if (bad !== undefined) {
        out.push({
          path: `${p}.provisioningDHCPRange`,
          value: range,
          message: `${bad}: "${bad}" is not a valid IP`,
          fix: 'write two IP addresses',
        });
      } else if (outside !== undefined) {
        out.push({
          path: `${p}.provisioningDHCPRange`,
          value: range,
          message: `"${outside}" is not in the provisioning network`,
          fix: `keep the range inside ${cidrText}`,
        });
      } else {
        for (const [key, v] of [
          ['clusterProvisioningIP', cluster],
          ['bootstrapProvisioningIP', bootstrap],
        ] as const) {
          if (v && ipInRange(parseIp(v), ips[0], ips[1])) {
            out.push({
              path: `${p}.${key}`,
              value: v,
              message: `"${v}" overlaps with the allocated DHCP range`,
              fix: 'move it below the DHCP range, or shrink provisioningDHCPRange',
            });
          }
        }
      }
    }
  }
  if (opts.bridgeExists) {
    const pb = str(bm.provisioningBridge) ?? 'provisioning';
    if (!opts.bridgeExists(pb)) {
      out.push({
        path: `${p}.provisioningBridge`,
        value: pb,
        message: 'could not find interface or libvirt network with this bridge name',
        fix: 'create the bridge (`bmc-emu lab up`) or name an existing one',
      });
    }
  }
}

function checkMisc(bm: Obj, opts: CheckOptions, out: Violation[]): void {
  const p = 'platform.baremetal';
  const uri = str(bm.libvirtURI);
  if (uri !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    out.push({
      path: `${p}.libvirtURI`,
      value: uri,
      message: 'invalid URI',
      fix: 'write e.g. qemu:///system or qemu+ssh://host/system',
    });
  }
  for (const key of ['bootstrapOSImage', 'clusterOSImage']) {
    const url = str(bm[key]);
    if (!url) continue;
    const why = osImageUriProblem(url);
    if (why)
      out.push({
        path: `${p}.${key}`,
        value: url,
        message: why,
        fix: 'append ?sha256=<64 hex digits of the uncompressed image>',
      });
  }
  for (const key of ['externalMACAddress', 'provisioningMACAddress']) {
    const mac = str(bm[key]);
    if (mac && !MAC.test(mac))
      out.push({
        path: `${p}.${key}`,
        value: mac,
        message: 'invalid MAC address',
        fix: 'write six hex pairs separated by colons',
      });
  }
  const em = str(bm.externalMACAddress);
  const pm = str(bm.provisioningMACAddress);
  if (pm && em && pm.toLowerCase() === em.toLowerCase()) {
    out.push({
      path: `${p}.provisioningMACAddress`,
      value: pm,
      message: 'provisioning and external MAC addresses may not be identical',
      fix: 'give the two bootstrap NICs different MACs',
    });
  }
  if (opts.bridgeExists) {
    const eb = str(bm.externalBridge) ?? 'baremetal';
    if (!opts.bridgeExists(eb)) {
      out.push({
        path: `${p}.externalBridge`,
        value: eb,
        message: 'could not find interface or libvirt network with this bridge name',
        fix: 'create the bridge (`bmc-emu lab up`) or name an existing one',
      });
    }
  }
}

/** Every violation of the ported rules, in a stable order (empty: the installer would accept it). */
export function checkInstallConfig(doc: unknown, opts: CheckOptions = {}): Violation[] {
  const out: Violation[] = [];
  if (!isObj(doc)) {
    return [
      {
        path: '(document)',
        value: doc,
        message: 'not a YAML mapping',
        fix: 'an install-config.yaml is a mapping with apiVersion, metadata, platform, ...',
      },
    ];
  }
  if (doc.apiVersion !== 'v1')
    out.push({
      path: 'apiVersion',
      value: doc.apiVersion,
      message: 'install-config version must be "v1"',
      fix: 'set apiVersion: v1',
    });
  const name = isObj(doc.metadata) ? str(doc.metadata.name) : undefined;
  if (!name)
    out.push({ path: 'metadata.name', value: name, message: 'cluster name required', fix: 'set metadata.name' });
  if (!str(doc.baseDomain))
    out.push({
      path: 'baseDomain',
      value: doc.baseDomain,
      message: 'baseDomain required',
      fix: 'set baseDomain, e.g. example.com',
    });
  if (!str(doc.pullSecret))
    out.push({
      path: 'pullSecret',
      value: undefined,
      message: 'pull secret required',
      fix: 'paste the pull secret (`{"auths":{}}` for a lab without images)',
    });
  checkCapabilities(doc, out);
  checkFeatureSet(doc, out);
  checkTwoNode(doc, out);
  const nets = networks(doc, out);
  const platform = isObj(doc.platform) ? doc.platform : {};
  const bm = platform.baremetal;
  if (!isObj(bm)) return out;
  checkVips(bm, nets, out);
  // the installer validates hosts only when MachineAPI (which provisions them) is enabled
  if (enabledCapabilities(doc).has('MachineAPI')) {
    checkHosts(doc, bm, out);
    checkNetworkConfig(bm, out);
  }
  checkProvisioning(bm, nets, opts, out);
  checkMisc(bm, opts, out);
  checkLoadBalancer(bm, out);
  checkNtpServers(bm, out);
  return out;
}

/** The same over YAML text: a syntax error is one violation naming its line. */
export async function checkInstallConfigText(text: string, opts: CheckOptions = {}): Promise<Violation[]> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({
      path: `line ${e.linePos?.[0]?.line ?? '?'}`,
      value: undefined,
      message: e.message.split('\n')[0]!,
      fix: 'fix the YAML syntax',
    }));
  }
  return checkInstallConfigOnline(doc.toJS(), opts);
}

/** Every ported rule, the HEAD requests on OS image URLs included when `opts.head` is given. */
export async function checkInstallConfigOnline(doc: unknown, opts: CheckOptions = {}): Promise<Violation[]> {
  const offline = checkInstallConfig(doc, opts);
  return opts.head ? [...offline, ...(await checkOsImagesReachable(doc, opts.head))] : offline;
}
