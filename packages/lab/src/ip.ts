import { isIP } from 'node:net';

/** An IP address as a number, with its family (4 or 6). */
export interface Ip {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR as written (`base` may carry host bits) plus its prefix length. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
  text: string;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

export function parseIp(text: string): Ip | undefined {
  const t = text.trim();
  const fam = isIP(t);
  if (fam === 4) {
    return { family: 4, value: t.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n) };
  }
  if (fam === 6) return { family: 6, value: parseV6(t) };
  return undefined;
}

function parseV6(t: string): bigint {
  let s = t;
  // an embedded dotted quad (::ffff:1.2.3.4) becomes two hextets
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    const v = parseIp(quad[1]!)!.value;
    s = `${s.slice(0, quad.index)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - tl.length).fill('0');
  return [...h, ...fill, ...tl].reduce((acc, p) => (acc << 16n) | BigInt(parseInt(p, 16)), 0n);
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // compress the longest run of zero hextets (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = parts.map((p) => p.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!ip || prefix > bits(ip.family)) return undefined;
  return { family: ip.family, base: ip.value, prefix, text: text.trim() };
}

function mask(c: Pick<Cidr, 'family' | 'prefix'>): bigint {
  const n = BigInt(bits(c.family));
  return ((1n << n) - 1n) ^ ((1n << (n - BigInt(c.prefix))) - 1n);
}

/** The network address (host bits cleared). */
export function networkOf(c: Cidr): bigint {
  return c.base & mask(c);
}

export function hasHostBits(c: Cidr): boolean {
  return networkOf(c) !== c.base;
}

/** The CIDR written without host bits, e.g. `172.22.0.0/24` for `172.22.0.5/24`. */
export function canonicalCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: networkOf(c) })}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: Ip | undefined): boolean {
  return ip !== undefined && ip.family === c.family && (ip.value & mask(c)) === networkOf(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask({ family: a.family, prefix: p });
  return (a.base & m) === (b.base & m);
}

/** The n-th address of the network (n = 1 is the first host). */
export function nthHost(c: Cidr, n: number | bigint): Ip {
  return { family: c.family, value: networkOf(c) + BigInt(n) };
}

/** Addresses in the network, including network and broadcast. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bits(c.family) - c.prefix);
}

export function ipInRange(ip: Ip | undefined, start: Ip | undefined, end: Ip | undefined): boolean {
  if (!ip || !start || !end || ip.family !== start.family || ip.family !== end.family) return false;
  return ip.value >= start.value && ip.value <= end.value;
}
