/**
 * The hardware report a node POSTs to the introspection endpoint, in the JSON shape of `ghw` (jaypipes/ghw,
 * `ghwc -f json`): `{ "network": { "nics": [ { "name", "mac_address", "is_virtual" } ] }, ... }`.
 * Also accepts a top-level `{ "mac": ... }` for hand-written reports. Never throws anything but a typed error.
 */
import { errors, normalizeMac } from '@bmc-emu/core';

export interface HardwareReport {
  macs: string[];
  raw: unknown;
}

export function parseHardwareReport(body: string): HardwareReport {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw errors.invalidArgument('The hardware report is not JSON (expected ghw JSON output).');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw errors.invalidArgument('The hardware report must be a JSON object (ghw JSON output).');
  }
  const candidates: unknown[] = [];
  const root = raw as Record<string, unknown>;
  const net = (root.network ?? (root.info as Record<string, unknown> | undefined)?.network) as
    Record<string, unknown> | undefined;
  if (net && Array.isArray(net.nics)) {
    for (const nic of net.nics) {
      if (typeof nic === 'object' && nic !== null) {
        const n = nic as Record<string, unknown>;
        if (n.is_virtual === true) continue;
        candidates.push(n.mac_address ?? n.macAddress ?? n.mac);
      }
    }
  }
  candidates.push(root.mac);
  const macs: string[] = [];
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    try {
      const mac = normalizeMac(c);
      if (!macs.includes(mac)) macs.push(mac);
    } catch {
      // not a MAC (e.g. an empty string for a loopback NIC): skip
    }
  }
  if (macs.length === 0) {
    throw errors.invalidArgument('The hardware report names no MAC address (network.nics[].mac_address).');
  }
  return { macs, raw };
}
