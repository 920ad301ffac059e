/** MAC addresses: the one normalizer and zod schema every config section, codec and front end uses. */
import { z } from 'zod';
import { errors } from '../errors.js';

/** The spellings users paste: 52:54:00:00:00:01, 52-54-00-00-00-01, 525400000001, 5254.0000.0001 (any case). */
const SPELLINGS = [
  /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{2}(?:-[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{12}$/i,
  /^[0-9a-f]{4}(?:\.[0-9a-f]{4}){2}$/i,
];

export const MAC_SPELLINGS_HINT =
  'a MAC address such as 52:54:00:00:00:01 (or 52-54-00-00-00-01, 525400000001, 5254.0000.0001)';

/** The canonical form ("52:54:00:00:00:01", lower case), or undefined when `mac` is none of the accepted spellings. */
export function tryNormalizeMac(mac: string): string | undefined {
  const s = mac.trim();
  if (!SPELLINGS.some((re) => re.test(s))) return undefined;
  return s
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .match(/../g)!
    .join(':');
}

/** The canonical form ("52:54:00:00:00:01", lower case); BMCEMU_INVALID_ARGUMENT for anything else. */
export function normalizeMac(mac: string): string {
  const out = tryNormalizeMac(mac);
  if (out === undefined) throw errors.invalidArgument(`Not ${MAC_SPELLINGS_HINT}: ${JSON.stringify(mac)}`, { mac });
  return out;
}

/** 6 bytes (e.g. a DHCP chaddr) -> "52:54:00:aa:bb:01". */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Any accepted spelling -> its 6 bytes. */
export function parseMac(mac: string): Uint8Array {
  return Uint8Array.from(normalizeMac(mac).split(':'), (h) => Number.parseInt(h, 16));
}

/** A config value holding a MAC: accepts every spelling above, yields the canonical form, names the key otherwise. */
export const macSchema = z.string().transform((value, ctx) => {
  const mac = tryNormalizeMac(value);
  if (mac === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not ${MAC_SPELLINGS_HINT}` });
    return z.NEVER;
  }
  return mac;
});
