import { isIPv4 } from 'node:net';
import type { HostName } from '@bmc-emu/core';
import { Authority, type Rr, type ZoneInfo } from './authority.js';
import type { DnsConfig, DnsRecordConfig } from './config.js';
import {
  canonical,
  defaultReverseZone,
  isServableName,
  reverseName,
  reverseZoneOf,
  reverseZoneOfPtr,
} from './names.js';

export interface ZoneDataInput {
  config: DnsConfig;
  /** Names from DHCP (labels); they go into `hostsDomain`. */
  hosts: readonly HostName[];
  hostsDomain: string | undefined;
  /** Where we serve: ns.<zone> answers with these when no record names it. */
  listenAddresses: readonly string[];
  /** SOA serial when the zone sets none. */
  serial: number;
}

function staticRecord(r: DnsRecordConfig, ttl: number): Rr {
  const base = { name: canonical(r.name), ttl: r.ttl ?? ttl, class: 'IN' as const };
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...base, type: r.type, data: r.address };
    case 'CNAME':
    case 'PTR':
      return { ...base, type: r.type, data: canonical(r.target) };
    case 'TXT':
      return { ...base, type: 'TXT', data: typeof r.text === 'string' ? [r.text] : r.text };
    case 'SRV':
      return {
        ...base,
        type: 'SRV',
        data: { target: canonical(r.target), port: r.port, priority: r.priority, weight: r.weight },
      };
  }
}

/** Everything we answer for, built from the config, the DHCP names and the listen addresses. */
export function buildAuthority(input: ZoneDataInput): Authority {
  const { config, hosts, hostsDomain, listenAddresses, serial } = input;
  const ttl = config.ttl;
  const records: Rr[] = config.records.map((r) => staticRecord(r, ttl));
  const named = new Set(records.map((r) => r.name));

  const domain = hostsDomain ? canonical(hostsDomain) : undefined;
  if (domain && config.dhcpNames) {
    for (const h of hosts) {
      const name = `${h.name}.${domain}`;
      // a static record of the same name wins over whatever DHCP learnt
      if (named.has(name) || !isServableName(name)) continue;
      records.push({ name, type: isIPv4(h.address) ? 'A' : 'AAAA', ttl, class: 'IN', data: h.address });
    }
  }

  const forward = config.zones.map((z) => (typeof z === 'string' ? { name: z } : z));
  const zoneNs = new Map<string, string[]>();
  for (const z of forward) {
    const apex = canonical(z.name);
    const ns = (z.ns ?? [`ns.${apex}`]).map(canonical);
    zoneNs.set(apex, ns);
    for (const n of ns) {
      records.push({ name: apex, type: 'NS', ttl, class: 'IN', data: n });
      if (!named.has(n) && (n === apex || n.endsWith(`.${apex}`))) {
        for (const a of listenAddresses) {
          records.push({ name: n, type: isIPv4(a) ? 'A' : 'AAAA', ttl, class: 'IN', data: a });
        }
      }
    }
  }

  // PTRs: explicit ones first, then one per address of every A/AAAA (the first name listed wins)
  const ptrs = new Map<string, Rr>();
  for (const r of records) if (r.type === 'PTR') ptrs.set(r.name, r);
  const reverseApexes = new Set(config.reverseZones.map(reverseZoneOf));
  for (const r of ptrs.values()) {
    const apex = reverseZoneOfPtr(r.name);
    if (apex) reverseApexes.add(apex);
  }
  for (const r of records) {
    if ((r.type !== 'A' && r.type !== 'AAAA') || r.name.startsWith('*')) continue;
    const rev = reverseName(r.data);
    reverseApexes.add(defaultReverseZone(r.data));
    if (!ptrs.has(rev)) {
      const ptr: Rr = { name: rev, type: 'PTR', ttl: r.ttl ?? ttl, class: 'IN', data: r.name };
      ptrs.set(rev, ptr);
      records.push(ptr);
    }
  }
  const firstNs = forward[0] ? zoneNs.get(canonical(forward[0].name))![0]! : 'localhost';
  for (const apex of reverseApexes) {
    if (!zoneNs.has(apex)) {
      zoneNs.set(apex, [firstNs]);
      records.push({ name: apex, type: 'NS', ttl, class: 'IN', data: firstNs });
    }
  }

  const settings = new Map(forward.map((z) => [canonical(z.name), z]));
  const zones: ZoneInfo[] = [...zoneNs.keys()].map((apex) => {
    const z = settings.get(apex);
    const soa: Rr = {
      name: apex,
      type: 'SOA',
      ttl,
      class: 'IN',
      data: {
        mname: zoneNs.get(apex)![0]!,
        rname: canonical(z?.hostmaster ?? `hostmaster.${apex}`),
        serial: z?.serial ?? serial,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: config.negativeTtl,
      },
    };
    return { apex, soa };
  });
  return new Authority(zones, records);
}
