import { isIpv4 } from '@bmc-emu/core';
import type { DhcpOption } from './packet.js';
import { type OptionSpec, optionSpecOf, SERVER_SET_CODES } from './option-table.js';
import {
  type ClasslessRoute,
  classlessRoutes,
  domainSearch,
  ip,
  ipList,
  text,
  u8,
  u16,
  u32,
  userClass,
} from './options.js';

/** A config value the option table rejects; `message` says what the key needs. */
export class OptionValueError extends Error {}

/** A config option value as YAML/JSON gives it. */
export type OptionValue = string | number | boolean | ReadonlyArray<string | number>;

const HEX = /^[0-9a-f]{2}(:[0-9a-f]{2})*$/i;

function fail(msg: string): never {
  throw new OptionValueError(msg);
}

/** A string or a list; a string may be comma-separated, as in dnsmasq's dhcp-option. */
function items(v: OptionValue): string[] {
  const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [String(v)];
  const out = list.map((s) => s.trim()).filter((s) => s !== '');
  if (out.length === 0) fail('needs at least one value');
  return out;
}

function address(s: string): string {
  if (!isIpv4(s)) fail(`"${s}" is not an IPv4 address`);
  return s;
}

function integer(v: OptionValue, min: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) fail(`needs an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

function bool(v: OptionValue): boolean {
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  return fail(`needs true or false, got ${JSON.stringify(v)}`);
}

function str(v: OptionValue): string {
  if (typeof v !== 'string' || v === '') fail(`needs a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/** "10.99.0.0/16,172.30.0.254" pairs (dnsmasq's option 121 form), as one string or a list of pairs. */
function routes(v: OptionValue): ClasslessRoute[] {
  const parts = items(v)
    .flatMap((s) => s.split(/[\s,]+/))
    .filter(Boolean);
  if (parts.length % 2 !== 0) fail('needs destination/prefix,router pairs');
  const out: ClasslessRoute[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const [dest = '', len = ''] = parts[i]!.split('/');
    const prefix = /^\d+$/.test(len) ? Number(len) : NaN;
    if (!(prefix >= 0 && prefix <= 32)) fail(`"${parts[i]}" is not destination/prefix`);
    out.push({ destination: address(dest), prefix, router: address(parts[i + 1]!) });
  }
  return out;
}

function hex(v: OptionValue): Uint8Array {
  const s = str(v);
  // codes outside the table: colon-separated hex bytes, or else the text itself (as dnsmasq guesses)
  if (HEX.test(s)) return Uint8Array.from(s.split(':').map((b) => parseInt(b, 16)));
  return text.encode(s);
}

/** The option's bytes for a config value, typed by the option table. Throws OptionValueError. */
export function encodeOptionValue(spec: OptionSpec, v: OptionValue): Uint8Array {
  switch (spec.type) {
    case 'ip': {
      const [a, ...more] = items(v);
      if (more.length) fail('takes one address');
      return ip.encode(address(a!));
    }
    case 'ips':
      return ipList.encode(items(v).map(address));
    case 'u8':
      return u8.encode(integer(v, 0, 0xff));
    case 'u16':
      return u16.encode(integer(v, 0, 0xffff));
    case 'u32':
      return u32.encode(integer(v, 0, 0xffffffff));
    case 'i32':
      return u32.encode(integer(v, -0x80000000, 0x7fffffff) >>> 0);
    case 'bool':
      return u8.encode(bool(v) ? 1 : 0);
    case 'text':
      return text.encode(str(v));
    case 'names':
      return domainSearch.encode(items(v));
    case 'routes':
      return classlessRoutes.encode(routes(v));
    case 'user-classes':
      return userClass.encode(items(v));
    case 'hex':
      return hex(v);
  }
}

/** A config `options:` map (code or name -> value) as options; throws OptionValueError naming the key. */
export function compileOptions(map: Readonly<Record<string, OptionValue>> | undefined): DhcpOption[] {
  const out: DhcpOption[] = [];
  for (const [key, value] of Object.entries(map ?? {})) {
    const spec = optionSpecOf(key);
    if (!spec) throw new OptionValueError(`${key}: not an option name or a code 1..254`);
    if (SERVER_SET_CODES.has(spec.code)) throw new OptionValueError(`${key}: option ${spec.code} is set by the server`);
    let data: Uint8Array;
    try {
      data = encodeOptionValue(spec, value);
    } catch (err) {
      if (err instanceof OptionValueError)
        throw new OptionValueError(`${key} (${spec.name}, ${spec.type}): ${err.message}`);
      // the codecs reject e.g. a DNS label over 63 bytes with their own error
      throw new OptionValueError(`${key} (${spec.name}): ${(err as Error).message}`);
    }
    if (out.some((o) => o.code === spec.code)) throw new OptionValueError(`${key}: option ${spec.code} is set twice`);
    out.push({ code: spec.code, data });
  }
  return out;
}

/** Later lists override earlier ones code by code; codes new to the list are appended in order. */
export function overrideOptions(
  base: readonly DhcpOption[],
  ...layers: ReadonlyArray<readonly DhcpOption[]>
): DhcpOption[] {
  const out = [...base];
  for (const layer of layers) {
    for (const o of layer) {
      const at = out.findIndex((x) => x.code === o.code);
      if (at >= 0) out[at] = o;
      else out.push(o);
    }
  }
  return out;
}
