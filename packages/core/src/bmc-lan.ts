import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';

/** What a node's BMC shows as its LAN settings (IPMI LAN parameters, Redfish Manager EthernetInterface). */
export interface BmcLan {
  /** The IPv4 address the BMC answers on (0.0.0.0 when it serves on IPv6 only). */
  address: string;
  netmask: string;
  gateway: string;
  mac: string;
  ipSource: 'Static';
  /** 802.1q VLAN id, undefined when VLAN tagging is off. */
  vlanId: number | undefined;
  /** Which IP versions the BMC answers on: what its socket is bound to ('::' takes both). */
  ipVersions: 'ipv4' | 'ipv6' | 'both';
  /** The IPv6 address the BMC answers on (a static address), undefined when it has none of its own. */
  ipv6: { address: string; prefixLength: number } | undefined;
}

/**
 * The BMC's own MAC: stable per node, locally administered (02:...), and never one of the node's
 * NIC MACs (those start 52:54:00).
 */
export function bmcMac(nodeId: string): string {
  const h = createHash('sha1').update(`bmc-emu-bmc-mac:${nodeId}`).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function prefixMask(bits: number): string {
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

/** The netmask of the host interface holding `address` (lo: 255.0.0.0), else a /24. */
export function netmaskOf(address: string): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && a.address === address) return a.netmask;
  }
  return address.startsWith('127.') ? prefixMask(8) : prefixMask(24);
}

/** The prefix length of the host interface holding this IPv6 address (::1: 128), else 64. */
export function prefixLengthOf(address: string): number {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv6' && a.address === address && a.cidr) return Number(a.cidr.split('/')[1]);
    }
  }
  return address === '::1' ? 128 : 64;
}

export function bmcLan(nodeId: string, address: string): BmcLan {
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(address) && address !== '0.0.0.0' ? address : '0.0.0.0';
  const v6 = address.includes(':') ? address.replace(/^\[|\]$/g, '').toLowerCase() : undefined;
  const own6 = v6 !== undefined && v6 !== '::' && !v6.startsWith('::ffff:') ? v6 : undefined;
  return {
    ipVersions: v6 === undefined ? 'ipv4' : v6 === '::' ? 'both' : 'ipv6',
    ipv6: own6 ? { address: own6, prefixLength: prefixLengthOf(own6) } : undefined,
    address: v4,
    netmask: v4 === '0.0.0.0' ? '0.0.0.0' : netmaskOf(v4),
    gateway: '0.0.0.0',
    mac: bmcMac(nodeId),
    ipSource: 'Static',
    vlanId: undefined,
  };
}
