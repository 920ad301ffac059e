import { findOption, Opt, subOptions, text, u16List, userClass } from './codec/options.js';
import type { DhcpPacket } from './codec/packet.js';
import { optionSpecOf } from './codec/option-table.js';
import { OptionValueError } from './codec/option-value.js';

/** One octet of a MAC pattern: a byte, or undefined for "*". */
export type MacPattern = ReadonlyArray<number | undefined>;

/**
 * "52:54:00:*" (a trailing "*" covers the octets left), "52:54:00:*:*:01" (one "*" per octet), separators ":"
 * or "-", as dnsmasq's dhcp-mac. Throws OptionValueError.
 */
export function parseMacPattern(pattern: string): MacPattern {
  const parts = pattern.trim().toLowerCase().split(/[:-]/);
  const bad = () => new OptionValueError(`"${pattern}" is not a MAC pattern like 52:54:00:*`);
  if (parts.length > 6 || parts.some((p) => p !== '*' && !/^[0-9a-f]{1,2}$/.test(p))) throw bad();
  if (parts.length < 6 && parts[parts.length - 1] !== '*') throw bad();
  const out = parts.map((p) => (p === '*' ? undefined : parseInt(p, 16)));
  while (out.length < 6) out.push(undefined);
  return out;
}

export function formatMacPattern(p: MacPattern): string {
  return p.map((b) => (b === undefined ? '*' : b.toString(16).padStart(2, '0'))).join(':');
}

export function macMatches(p: MacPattern, mac: Uint8Array): boolean {
  return mac.length >= 6 && p.every((b, i) => b === undefined || b === mac[i]);
}

/** "*" matches any run of characters; everything else is literal; the whole value must match. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

/** A `match:` rule as configured (dnsmasq dhcp-match / dhcp-vendorclass / dhcp-userclass / dhcp-mac). */
export interface MatchRuleConfig {
  /** The tag the rule sets. */
  set: string;
  /** Option code or name whose presence (or value) the rule tests. */
  option?: string | number;
  /** 60/77/other text options: a glob ("PXEClient*"); 93: an architecture number; 175: a sub-option code. */
  value?: string | number;
  /** A MAC pattern instead of an option. */
  mac?: string;
}

export interface MatchRule {
  tag: string;
  test(req: DhcpPacket): boolean;
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** A checked rule; throws OptionValueError for a rule that could never be evaluated. */
export function compileMatchRule(r: MatchRuleConfig): MatchRule {
  const tag = r.set;
  if ((r.mac === undefined) === (r.option === undefined))
    throw new OptionValueError('a match rule needs option or mac');
  if (r.mac !== undefined) {
    const p = parseMacPattern(r.mac);
    return { tag, test: (req) => macMatches(p, req.chaddr) };
  }
  const spec = optionSpecOf(r.option!);
  if (!spec) throw new OptionValueError(`${r.option}: not an option name or a code 1..254`);
  const code = spec.code;
  const v = r.value;
  if (v === undefined) return { tag, test: (req) => findOption(req, code) !== undefined };
  if (code === Opt.ClientArch || code === Opt.Ipxe) {
    const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw new OptionValueError(`option ${code} matches a number, got ${JSON.stringify(v)}`);
    const values = (d: Uint8Array) =>
      code === Opt.ClientArch ? u16List.decode(d) : subOptions.decode(d).map((s) => s.code);
    return { tag, test: (req) => hasValue(findOption(req, code), (d) => values(d).includes(n)) };
  }
  const re = globToRegExp(String(v));
  if (code === Opt.UserClass) {
    return { tag, test: (req) => hasValue(findOption(req, code), (d) => userClass.decode(d).some((c) => re.test(c))) };
  }
  return { tag, test: (req) => hasValue(findOption(req, code), (d) => re.test(text.decode(d))) };
}

function hasValue(data: Uint8Array | undefined, test: (d: Uint8Array) => boolean): boolean {
  return data !== undefined && (safely(() => test(data)) ?? false);
}

/** The tags a request earns: fixed ones (interface, reservation) plus every matching rule's, in order. */
export function tagsOf(req: DhcpPacket, rules: readonly MatchRule[], fixed: readonly string[] = []): string[] {
  const out = new Set(fixed);
  for (const r of rules) if (r.test(req)) out.add(r.tag);
  return [...out];
}
