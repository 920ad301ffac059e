import { errors } from '@bmc-emu/core';
import { parseCidr } from './codec/ipv4.js';
import type { DhcpSection } from './config-section.js';
import type { Reservation } from './reservation.js';

type InterfaceEntry = DhcpSection['interfaces'][number];

/** What one DhcpServer of the instance serves: the section's keys with one interface's own over them. */
export type InterfaceSection = Omit<DhcpSection, 'interfaces'>;

function holds(cidr: string, addr: string): boolean {
  const { network, mask } = parseCidr(cidr);
  const [a = 0, b = 0, c = 0, d = 0] = addr.split('.').map(Number);
  return (((a << 24) | (b << 16) | (c << 8) | d) & mask) >>> 0 === network;
}

function subnetsOf(e: InterfaceEntry): string[] {
  return [...(e.subnet ? [e.subnet] : []), ...(e.subnets ?? []).map((s) => s.subnet)];
}

/**
 * One section per served interface. The single `interface` form is one entry; with `interfaces:`, keys an
 * entry leaves out come from the section, its options override the section's key by key, and a section-level
 * reservation goes to the interface whose subnet holds its address.
 */
export function interfaceSections(s: DhcpSection): InterfaceSection[] {
  const { interfaces, ...base } = s;
  if (interfaces.length === 0) return [base];
  const shared = [...base.reservations];
  const out = interfaces.map((e): InterfaceSection => {
    const { name, options, reservations, subnets, ...own } = e;
    const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined));
    const mine = shared.filter((r) => subnetsOf(e).some((c) => holds(c, r.ip)));
    return {
      ...base,
      ...defined,
      interface: name,
      subnets: subnets ?? [],
      reservations: [...(reservations ?? []), ...mine],
      ...(base.options || options ? { options: { ...base.options, ...options } } : {}),
    };
  });
  const lost = shared.filter((r) => !interfaces.some((e) => subnetsOf(e).some((c) => holds(c, r.ip))));
  if (lost[0]) {
    const r: Reservation = lost[0];
    throw errors.invalidArgument(`DHCP reservation ${r.ip} is on none of the subnets of dhcp.interfaces`);
  }
  return out;
}
