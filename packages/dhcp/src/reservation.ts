import { errors, normalizeMac } from '@bmc-emu/core';
import { findOption, Opt, text } from './codec/options.js';
import type { DhcpPacket } from './codec/packet.js';
import type { OptionValue } from './codec/option-value.js';
import { sanitizeHostname } from './host-name.js';

/** A fixed address for one client, found by MAC, client-id (option 61) or, with neither, by client-sent name. */
export interface Reservation {
  mac?: string;
  /** Option 61 as colon-separated hex ("01:52:54:00:aa:bb:cc") or as its text. */
  clientId?: string;
  /** The name given to the client; with no mac and no clientId also what it must send in option 12. */
  hostname?: string;
  ip: string;
  /** TFTP file name or http(s) URL for this host only. */
  bootFile?: string;
  /** false: an address but no boot file. */
  pxe?: boolean;
  /** Free-form options for this host (code or name -> value), over subnet and tag options. */
  options?: Record<string, OptionValue>;
  /** Tags this host sets (dnsmasq dhcp-host set:<tag>). */
  tags?: string[];
}

/** What a request says about who sent it. */
export interface ClientIdentity {
  mac: string;
  /** Option 61 as lower-case colon hex. */
  clientId?: string;
  /** Option 12, sanitised. */
  hostname?: string;
}

const HEX_ID = /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i;

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A configured client-id in the form requests are compared in: hex bytes, or the bytes of its text. */
export function normalizeClientId(id: string): string {
  if (id === '') throw errors.invalidArgument('DHCP client-id must not be empty');
  return HEX_ID.test(id) ? id.toLowerCase() : hex(text.encode(id));
}

export function clientIdentity(req: DhcpPacket, mac: string): ClientIdentity {
  const id = findOption(req, Opt.ClientId);
  const name = findOption(req, Opt.Hostname);
  const hostname = name ? sanitizeHostname(text.decode(name)) : undefined;
  return {
    mac,
    ...(id?.length ? { clientId: hex(id) } : {}),
    ...(hostname ? { hostname } : {}),
  };
}

/** A reservation with its MAC and client-id normalized; rejects one that could match nobody. */
export function normalizeReservation(r: Reservation): Reservation {
  if (!r.mac && !r.clientId && !r.hostname) {
    throw errors.invalidArgument(`DHCP reservation ${r.ip} needs mac, clientId or hostname`);
  }
  return {
    ...r,
    ...(r.mac ? { mac: normalizeMac(r.mac) } : {}),
    ...(r.clientId ? { clientId: normalizeClientId(r.clientId) } : {}),
  };
}

/** What names a reservation, for messages and duplicate checks. */
export function reservationKey(r: Reservation): string {
  if (r.clientId) return `id:${r.clientId}`;
  if (r.mac) return r.mac;
  return `name:${sanitizeHostname(r.hostname ?? '') ?? ''}`;
}

/** dnsmasq's order: a client-id reservation, then a MAC one, then one by the client's own name. */
export function findReservation(list: readonly Reservation[], id: ClientIdentity): Reservation | undefined {
  return (
    (id.clientId !== undefined ? list.find((r) => r.clientId === id.clientId) : undefined) ??
    list.find((r) => !r.clientId && r.mac === id.mac) ??
    (id.hostname !== undefined
      ? list.find((r) => !r.clientId && !r.mac && sanitizeHostname(r.hostname ?? '') === id.hostname)
      : undefined)
  );
}
