import { isIPv4, isIPv6 } from 'node:net';
import { errors } from '@bmc-emu/core';

/** Lower case, no trailing dot: the form every lookup key takes. */
export function canonical(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** "a.b.c" -> "b.c"; the root's parent is undefined. */
export function parent(name: string): string | undefined {
  const i = name.indexOf('.');
  return i < 0 ? (name === '' ? undefined : '') : name.slice(i + 1);
}

/** True when `name` is `zone` or below it (both canonical). */
export function inZone(name: string, zone: string): boolean {
  return zone === '' || name === zone || name.endsWith(`.${zone}`);
}

const LDH = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?|\*)$/;

/** A name we can serve: labels of letters, digits, "-" and "_" (SRV owners), at most 63 bytes each; "*" as a label. */
export function isServableName(name: string): boolean {
  const c = canonical(name);
  if (c.length === 0 || c.length > 253) return false;
  return c.split('.').every((l) => LDH.test(l));
}

function expandIpv6(addr: string): number[] {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const b = part.split('.').map(Number);
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else out.push(parseInt(part, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - h.length - t.length).fill(0);
  return [...h, ...fill, ...t];
}

/** 32 hex nibbles of an IPv6 address, most significant first. */
function nibbles(addr: string): string[] {
  return expandIpv6(addr).flatMap((g) => g.toString(16).padStart(4, '0').split(''));
}

/** "172.30.0.5" -> "5.0.30.172.in-addr.arpa"; IPv6 -> the ip6.arpa nibble name. */
export function reverseName(addr: string): string {
  if (isIPv4(addr)) return `${addr.split('.').reverse().join('.')}.in-addr.arpa`;
  if (isIPv6(addr)) return `${nibbles(addr).reverse().join('.')}.ip6.arpa`;
  throw errors.invalidArgument(`not an IP address: ${addr}`);
}

/**
 * The reverse zone of a CIDR, widened to a label boundary (IPv4 octets, IPv6 nibbles):
 * "172.30.0.0/24" -> "0.30.172.in-addr.arpa", "fd00::/64" -> "0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa".
 */
export function reverseZoneOf(cidr: string): string {
  const [addr = '', lenText] = cidr.split('/');
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) throw errors.invalidArgument(`not a CIDR: ${cidr}`);
  const max = v4 ? 32 : 128;
  const len = lenText === undefined ? max : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > max) throw errors.invalidArgument(`bad prefix length in ${cidr}`);
  if (v4) {
    const keep = Math.floor(len / 8);
    return [...addr.split('.').slice(0, keep).reverse(), 'in-addr', 'arpa'].join('.');
  }
  const keep = Math.floor(len / 4);
  return [...nibbles(addr).slice(0, keep).reverse(), 'ip6', 'arpa'].join('.');
}

/** The /24 or /64 reverse zone a PTR owner name sits in, e.g. "9.111.168.192.in-addr.arpa" -> "111.168.192.in-addr.arpa". */
export function reverseZoneOfPtr(name: string): string | undefined {
  const labels = canonical(name).split('.');
  if (name.endsWith('.in-addr.arpa') && labels.length === 6) return labels.slice(1).join('.');
  if (name.endsWith('.ip6.arpa') && labels.length === 34) return labels.slice(16).join('.');
  return undefined;
}

/** The reverse zone we derive for an address we hold: its /24 or /64. */
export function defaultReverseZone(addr: string): string {
  return reverseZoneOf(`${addr}/${isIPv4(addr) ? 24 : 64}`);
}
