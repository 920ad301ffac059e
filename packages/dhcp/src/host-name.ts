import type { HostName } from '@bmc-emu/core';
import { findOption, Opt, text } from './codec/options.js';
import type { DhcpPacket } from './codec/packet.js';
import type { Lease } from './lease-store.js';
import type { Reservation } from './subnet.js';

/**
 * A client-sent name as one RFC 1123 label (what DNS can answer): the part before the first dot, lower
 * case, every other character than a-z 0-9 - turned into "-", no leading/trailing "-", at most 63 bytes.
 * Undefined when nothing usable remains.
 */
export function sanitizeHostname(raw: string): string | undefined {
  const first = raw.replace(/\0+$/, '').trim().split('.')[0] ?? '';
  const label = first
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return label || undefined;
}

/** Option 12 of a request, sanitised; undefined when absent or unusable. */
export function clientHostname(req: Pick<DhcpPacket, 'options'>): string | undefined {
  const data = findOption(req, Opt.Hostname);
  return data ? sanitizeHostname(text.decode(data)) : undefined;
}

/**
 * The names DHCP knows: every reservation with a hostname (leased or not), then bound, unexpired leases
 * with a hostname. A reservation's name wins; of two leases claiming one name the later-expiring one wins.
 */
export function dhcpHostNames(reservations: readonly Reservation[], leases: readonly Lease[], now: number): HostName[] {
  const byName = new Map<string, HostName & { expiresAt: number }>();
  for (const r of reservations) {
    const name = r.hostname ? sanitizeHostname(r.hostname) : undefined;
    if (name && !byName.has(name))
      byName.set(name, { name, address: r.ip, origin: 'dhcp-reservation', expiresAt: Infinity });
  }
  for (const l of leases) {
    if (l.state !== 'bound' || l.expiresAt <= now || !l.hostname) continue;
    const name = sanitizeHostname(l.hostname);
    if (!name) continue;
    const held = byName.get(name);
    if (held && held.expiresAt >= l.expiresAt) continue;
    byName.set(name, { name, address: l.ip, origin: 'dhcp-lease', expiresAt: l.expiresAt });
  }
  return [...byName.values()].map(({ name, address, origin }) => ({ name, address, origin }));
}
