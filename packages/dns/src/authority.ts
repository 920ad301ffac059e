import type { Answer, RecordType } from 'dns-packet';
import { canonical, inZone, parent } from './names.js';

/** A record we hold; `name` canonical (lower case, no trailing dot). */
export type Rr = Exclude<Answer, { type: 'OPT' }>;

export interface ZoneInfo {
  /** Canonical apex, e.g. "ocp.lab.test". */
  apex: string;
  soa: Rr;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN';

export interface AuthAnswer {
  rcode: Rcode;
  answers: Rr[];
  authorities: Rr[];
  additionals: Rr[];
}

/** How many CNAMEs in a row we follow inside our own zones. */
const MAX_CHAIN = 8;

/**
 * The data we are authoritative for and the lookup of RFC 1034 §4.3.2, trimmed to what a lab needs:
 * exact match, CNAME (followed inside our zones), empty non-terminals (NODATA), wildcards at the closest
 * encloser, NXDOMAIN, and the zone's SOA in the authority section of every negative answer.
 */
export class Authority {
  private readonly nodes = new Map<string, Rr[]>();
  /** Names with no records of their own but records below them. */
  private readonly nonTerminals = new Set<string>();
  /** Longest apex first, so the first match is the closest zone. */
  private readonly zones: ZoneInfo[];

  constructor(zones: ZoneInfo[], records: readonly Rr[]) {
    this.zones = [...zones].sort((a, b) => b.apex.length - a.apex.length);
    for (const z of this.zones) this.add(z.soa);
    for (const r of records) if (this.zoneOf(canonical(r.name))) this.add(r);
    for (const name of this.nodes.keys()) {
      const zone = this.zoneOf(name)!;
      for (let p = parent(name); p !== undefined && p !== zone.apex && inZone(p, zone.apex); p = parent(p)) {
        if (!this.nodes.has(p)) this.nonTerminals.add(p);
      }
    }
  }

  private add(r: Rr): void {
    const key = canonical(r.name);
    const list = this.nodes.get(key) ?? [];
    if (list.some((o) => o.type === r.type && JSON.stringify(o.data) === JSON.stringify(r.data))) return;
    list.push({ ...r, name: key } as Rr);
    this.nodes.set(key, list);
  }

  /** The closest zone holding `name` (canonical), if any. */
  zoneOf(name: string): ZoneInfo | undefined {
    return this.zones.find((z) => inZone(name, z.apex));
  }

  get zoneApexes(): string[] {
    return this.zones.map((z) => z.apex);
  }

  /** Records at exactly `name` (canonical), of one type. */
  records(name: string, type: string): Rr[] {
    return (this.nodes.get(name) ?? []).filter((r) => r.type === type);
  }

  /** Undefined when no zone of ours holds the name: the caller forwards or refuses. */
  lookup(qname: string, qtype: RecordType | string): AuthAnswer | undefined {
    const key = canonical(qname);
    const zone = this.zoneOf(key);
    if (!zone) return undefined;
    const out: AuthAnswer = { rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
    this.resolveInto(out, key, qname.replace(/\.$/, ''), qtype, 0);
    if (qtype === 'NS' && out.answers.length) this.addGlue(out, out.answers);
    if (qtype === 'SRV' && out.answers.length) this.addGlue(out, out.answers);
    return out;
  }

  private resolveInto(out: AuthAnswer, key: string, owner: string, qtype: string, depth: number): void {
    const zone = this.zoneOf(key);
    if (!zone) return; // a CNAME left our zones: the client's resolver follows it
    const node = this.nodes.get(key) ?? this.wildcardFor(key, zone);
    if (!node) {
      if (this.nonTerminals.has(key)) out.authorities = [negativeSoa(zone)];
      else {
        out.rcode = 'NXDOMAIN';
        out.authorities = [negativeSoa(zone)];
      }
      return;
    }
    const asOwner = (r: Rr) => ({ ...r, name: owner }) as Rr;
    const cname = node.find((r) => r.type === 'CNAME');
    if (cname && qtype !== 'CNAME' && qtype !== 'ANY') {
      out.answers.push(asOwner(cname));
      const target = (cname as { data: string }).data;
      if (depth < MAX_CHAIN) this.resolveInto(out, canonical(target), target.replace(/\.$/, ''), qtype, depth + 1);
      return;
    }
    const matching = qtype === 'ANY' ? node : node.filter((r) => r.type === qtype);
    if (matching.length) out.answers.push(...matching.map(asOwner));
    else out.authorities = [negativeSoa(zone)];
  }

  /** The records of `*.<closest encloser>` when the name itself does not exist (RFC 4592). */
  private wildcardFor(key: string, zone: ZoneInfo): Rr[] | undefined {
    for (let enc = parent(key); enc !== undefined && inZone(enc, zone.apex); enc = parent(enc)) {
      if (this.nodes.has(enc) || this.nonTerminals.has(enc) || enc === zone.apex) {
        return this.nodes.get(enc === '' ? '*' : `*.${enc}`);
      }
    }
    return undefined;
  }

  /** A/AAAA of in-zone targets of NS and SRV answers, in the additional section. */
  private addGlue(out: AuthAnswer, from: Rr[]): void {
    for (const r of from) {
      const target = r.type === 'NS' ? r.data : r.type === 'SRV' ? r.data.target : undefined;
      if (!target) continue;
      const t = canonical(target);
      for (const g of [...this.records(t, 'A'), ...this.records(t, 'AAAA')]) {
        if (!out.additionals.includes(g)) out.additionals.push(g);
      }
    }
  }
}

/** RFC 2308 §3: the SOA of a negative answer lives no longer than its MINIMUM field. */
function negativeSoa(zone: ZoneInfo): Rr {
  const soa = zone.soa as Extract<Rr, { type: 'SOA' }>;
  return { ...soa, ttl: Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0) };
}
