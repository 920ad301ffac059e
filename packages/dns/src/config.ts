import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import { z } from 'zod';
import { canonical, inZone, isServableName } from './names.js';

/** dns-packet writes whatever it is given: a label over 63 bytes would corrupt the packet, so check here. */
const name = z.string().min(1).max(254).refine(isServableName, {
  message: 'a name is labels of letters, digits, "-" and "_" (at most 63 each, 253 in all), "*" as the first label',
});
/** One TXT character-string holds at most 255 bytes. */
const txtString = z
  .string()
  .refine((t) => Buffer.byteLength(t) <= 255, { message: 'a TXT string holds at most 255 bytes' });
const ttl = z.number().int().min(0).max(2_147_483_647).optional();

/** A static record; `name` is absolute ("api.ocp.lab.test") and may start with "*." (a wildcard). */
export const dnsRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('A'), name, address: z.ipv4(), ttl }).strict(),
  z.object({ type: z.literal('AAAA'), name, address: z.ipv6(), ttl }).strict(),
  z.object({ type: z.literal('CNAME'), name, target: name, ttl }).strict(),
  z.object({ type: z.literal('PTR'), name, target: name, ttl }).strict(),
  z.object({ type: z.literal('TXT'), name, text: z.union([txtString, z.array(txtString).min(1)]), ttl }).strict(),
  z
    .object({
      type: z.literal('SRV'),
      name,
      target: name,
      port: z.number().int().min(0).max(65535),
      priority: z.number().int().min(0).max(65535).default(0),
      weight: z.number().int().min(0).max(65535).default(0),
      ttl,
    })
    .strict(),
]);

export const dnsZone = z
  .object({
    /** e.g. "ocp.lab.test"; we answer authoritatively for it and every name below it. */
    name,
    /** Name servers of the zone (NS); default ns.<zone>, which gets the listen addresses when no record names it. */
    ns: z.array(name).optional(),
    /** SOA RNAME as a name; default hostmaster.<zone>. */
    hostmaster: name.optional(),
    /** SOA serial; default the start time in seconds. */
    serial: z.number().int().min(0).max(4_294_967_295).optional(),
  })
  .strict();

export const upstream = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\](:\d{1,5})?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)$/, {
    message: 'an upstream is an address with an optional port: "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53"',
  });

export const dnsSection = z
  .object({
    enabled: z.boolean().default(false),
    /** 0 picks a free port (the same one for UDP and TCP); for tests. */
    port: z.number().int().min(0).max(65535).default(53),
    /** Serve on every address of these interfaces (like dhcp.interface); unicast only, so no broadcast tricks. */
    interfaces: z.array(z.string().min(1)).default([]),
    /** Explicit addresses to serve on; with no interfaces either, the top-level `bind` address. */
    listen: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
    /** Zones we are authoritative for. A name in none of them is forwarded (or REFUSED with no upstreams). */
    zones: z.array(z.union([name, dnsZone])).default([]),
    /** Reverse zones (PTR) for these CIDRs besides the /24 (IPv4) and /64 (IPv6) of every A/AAAA we hold. */
    reverseZones: z.array(z.string().min(1)).default([]),
    records: z.array(dnsRecord).default([]),
    /** Names from DHCP reservations and leases go into this zone (default: dhcp.domain, else the first zone). */
    hostsDomain: name.optional(),
    /** false: ignore DHCP names. */
    dhcpNames: z.boolean().default(true),
    upstreams: z.array(upstream).default([]),
    upstreamTimeoutMs: z.number().int().min(50).max(30_000).default(2000),
    ttl: z.number().int().min(0).max(2_147_483_647).default(300),
    /** TTL of negative answers (SOA minimum). */
    negativeTtl: z.number().int().min(0).max(86_400).default(60),
    /** EDNS0 UDP payload size we advertise and accept at most. */
    ednsUdpSize: z.number().int().min(512).max(65535).default(1232),
    tcpIdleTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    maxTcpConnections: z.number().int().min(1).max(100_000).default(256),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // a record no zone holds would never be answered: say so instead of forwarding its name
    const zones = cfg.zones.map((z) => canonical(typeof z === 'string' ? z : z.name));
    cfg.records.forEach((r, i) => {
      const n = canonical(r.name);
      const reverse = r.type === 'PTR' && /\.(in-addr|ip6)\.arpa$/.test(n);
      if (!reverse && !zones.some((z) => inZone(n, z))) {
        ctx.addIssue({
          code: 'custom',
          path: ['records', i, 'name'],
          message: `${r.name} is in none of dns.zones (${zones.join(', ') || 'none'}): add its zone or fix the name`,
        });
      }
    });
  });

export type DnsConfig = z.infer<typeof dnsSection>;
export type DnsConfigInput = z.input<typeof dnsSection>;
export type DnsRecordConfig = z.infer<typeof dnsRecord>;
export type DnsZoneConfig = z.infer<typeof dnsZone>;

/** Validate the `dns:` section; the error names each bad key the way the core config loader does. */
export function parseDnsConfig(input: unknown): DnsConfig {
  const parsed = dnsSection.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const key = ['dns', ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys')
      return `unknown key ${i.keys.map((k) => `"${key}.${k}"`).join(', ')}: remove it or check its spelling`;
    return `${key}: ${i.message}`;
  });
  throw new BmcEmuError(ErrorCode.ConfigInvalid, `Invalid configuration:\n  - ${lines.join('\n  - ')}`, {
    issues: lines,
  });
}
