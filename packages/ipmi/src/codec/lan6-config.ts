import { isIPv6 } from 'node:net';
import type { BmcLan } from '@bmc-emu/core';

/** IPv6 LAN Configuration Parameters (IPMI 2.0 rev 1.1 table 23-4, 50..80) this BMC answers. */
export const LAN6_PARAM = {
  support: 50,
  addressingEnables: 51,
  trafficClass: 52,
  hopLimit: 53,
  flowLabel: 54,
  status: 55,
  staticAddress: 56,
  staticDuidLength: 57,
  dynamicAddress: 59,
  dynamicDuidLength: 60,
  dhcp6TimingSupport: 62,
  routerControl: 64,
  staticRouter1Ip: 65,
  staticRouter1Mac: 66,
  staticRouter1PrefixLength: 67,
  staticRouter1Prefix: 68,
  staticRouter2Ip: 69,
  staticRouter2Mac: 70,
  staticRouter2PrefixLength: 71,
  staticRouter2Prefix: 72,
  dynamicRouterSets: 73,
  dynamicHopLimit: 78,
  ndTimingSupport: 79,
} as const;

/** Expected data length of a write to each writable IPv6 parameter (the others are read-only here). */
export const LAN6_WRITE_LENGTH: Partial<Record<number, number>> = {
  51: 1,
  52: 1,
  53: 1,
  54: 3,
  56: 20,
  64: 1,
  65: 16,
  66: 6,
  67: 1,
  68: 16,
  69: 16,
  70: 6,
  71: 1,
  72: 16,
};

/** The 16 bytes of an IPv6 address (`::` for anything that is not one). */
export function ipv6Bytes(address: string | undefined): Buffer {
  const out = Buffer.alloc(16);
  if (!address || !isIPv6(address)) return out;
  const [head = '', tail] = address.split('::');
  const words = (s: string) => (s ? s.split(':') : []);
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

const ENABLES = { ipv4: 0, ipv6: 1, both: 2 } as const;
/** Address status (byte 20 of parameters 56/59): 0 active, 1 disabled. */
const ACTIVE = 0;
const DISABLED = 1;

/**
 * The data bytes of one IPv6 parameter (after the revision byte): 'unsupported' (80h) for one this BMC does
 * not have, 'outOfRange' (C9h) for a set selector past the last set (ipmitool's `lan6 print` reads sets
 * until it gets one of these).
 */
export function encodeLan6Param(param: number, set: number, lan: BmcLan): Buffer | 'unsupported' | 'outOfRange' {
  switch (param) {
    case LAN6_PARAM.support:
      return Buffer.from([0x03]); // IPv6 only and IPv4+IPv6 both possible (by the bind); no IPv6 alerting
    case LAN6_PARAM.addressingEnables:
      return Buffer.from([ENABLES[lan.ipVersions]]);
    case LAN6_PARAM.trafficClass:
      return Buffer.from([0x00]);
    case LAN6_PARAM.hopLimit:
    case LAN6_PARAM.dynamicHopLimit:
      return Buffer.from([64]);
    case LAN6_PARAM.flowLabel:
      return Buffer.alloc(3);
    case LAN6_PARAM.status:
      return Buffer.from([1, 0, 0x00]); // one static address, no dynamic ones, neither DHCPv6 nor SLAAC
    case LAN6_PARAM.staticAddress: {
      if (set !== 0) return 'outOfRange';
      const on = lan.ipv6 !== undefined;
      return Buffer.concat([
        Buffer.from([0, on ? 0x80 : 0x00]), // set 0; enabled, source static
        ipv6Bytes(lan.ipv6?.address),
        Buffer.from([lan.ipv6?.prefixLength ?? 0, on ? ACTIVE : DISABLED]),
      ]);
    }
    case LAN6_PARAM.dynamicAddress:
      return 'outOfRange'; // no dynamic address sets
    case LAN6_PARAM.staticDuidLength:
    case LAN6_PARAM.dynamicDuidLength:
    case LAN6_PARAM.dhcp6TimingSupport:
    case LAN6_PARAM.ndTimingSupport:
    case LAN6_PARAM.dynamicRouterSets:
    case LAN6_PARAM.routerControl:
      return Buffer.from([0x00]);
    case LAN6_PARAM.staticRouter1Ip:
    case LAN6_PARAM.staticRouter2Ip:
    case LAN6_PARAM.staticRouter1Prefix:
    case LAN6_PARAM.staticRouter2Prefix:
      return Buffer.alloc(16);
    case LAN6_PARAM.staticRouter1Mac:
    case LAN6_PARAM.staticRouter2Mac:
      return Buffer.alloc(6);
    case LAN6_PARAM.staticRouter1PrefixLength:
    case LAN6_PARAM.staticRouter2PrefixLength:
      return Buffer.from([0x00]);
    default:
      return 'unsupported';
  }
}
