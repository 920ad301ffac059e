import { z } from 'zod';
import { macSchema } from '@bmc-emu/core';
import { dhcpMatchRule, dhcpOptionMap, dhcpTagExpression, dhcpTagMap, dhcpTagName } from './config-options.js';

export const dhcpReservation = z
  .object({
    mac: macSchema.optional(),
    /** Option 61, colon hex ("01:52:54:00:aa:bb:cc") or text (dnsmasq dhcp-host=id:...). */
    clientId: z.string().min(1).optional(),
    ip: z.string().min(1),
    /** The name given; with no mac and no clientId, the option-12 name the client must send. */
    hostname: z.string().optional(),
    bootFile: z.string().optional(),
    /** false: give an address but no boot file. */
    pxe: z.boolean().default(true),
    options: dhcpOptionMap.optional(),
    /** Tags this host carries (dnsmasq dhcp-host=...,set:<tag>). */
    tags: z.array(dhcpTagName).optional(),
  })
  .strict()
  .refine((r) => r.mac !== undefined || r.clientId !== undefined || r.hostname !== undefined, {
    message: 'a reservation needs mac, clientId or hostname',
  });

/** A further subnet of one DHCP instance (reached through a relay, or the served interface's subnet). */
export const dhcpSubnet = z
  .object({
    /** CIDR, e.g. 172.31.0.0/24. */
    subnet: z.string().min(1),
    rangeStart: z.string().optional(),
    rangeEnd: z.string().optional(),
    router: z.string().optional(),
    dns: z.array(z.string()).default([]),
    domain: z.string().optional(),
    domainSearch: z.array(z.string()).default([]),
    /** Default: the section's leaseTimeSec. */
    leaseTimeSec: z.number().int().min(60).max(31_536_000).optional(),
    reservations: z.array(dhcpReservation).default([]),
    options: dhcpOptionMap.optional(),
  })
  .strict();

/** One served interface of `interfaces:`; keys left out come from the section. */
export const dhcpInterface = z
  .object({
    /** Interface or bridge name (SO_BINDTODEVICE). */
    name: z.string().min(1),
    serverAddress: z.string().optional(),
    subnet: z.string().optional(),
    rangeStart: z.string().optional(),
    rangeEnd: z.string().optional(),
    router: z.string().optional(),
    dns: z.array(z.string()).optional(),
    domain: z.string().optional(),
    domainSearch: z.array(z.string()).optional(),
    leaseTimeSec: z.number().int().min(60).max(31_536_000).optional(),
    reservations: z.array(dhcpReservation).optional(),
    subnets: z.array(dhcpSubnet).optional(),
    /** Over the section's options, key by key. */
    options: dhcpOptionMap.optional(),
    leaseFile: z.string().optional(),
    tftpServer: z.string().optional(),
    httpBaseUrl: z.string().optional(),
  })
  .strict();

/** Keys that describe one interface's link; with `interfaces:` they go inside each entry. */
const PER_INTERFACE_ONLY = [
  'interface',
  'subnet',
  'rangeStart',
  'rangeEnd',
  'router',
  'serverAddress',
  'leaseFile',
] as const;

export const dhcpSection = z
  .object({
    enabled: z.boolean().default(false),
    /** Interface or bridge to serve; only that one. */
    interface: z.string().optional(),
    mode: z.enum(['server', 'proxy']).default('server'),
    /** CIDR, e.g. 172.30.0.0/24. */
    subnet: z.string().optional(),
    rangeStart: z.string().optional(),
    rangeEnd: z.string().optional(),
    router: z.string().optional(),
    dns: z.array(z.string()).default([]),
    domain: z.string().optional(),
    leaseTimeSec: z.number().int().min(60).max(31_536_000).default(3600),
    knownHostsOnly: z.boolean().default(false),
    reservations: z.array(dhcpReservation).default([]),
    /** Address this server announces (option 54, siaddr); defaults to the interface address. */
    serverAddress: z.string().optional(),
    port: z.number().int().min(1).max(65535).default(67),
    /** Lease file; default <stateDir>/dhcp-leases[-<interface>].txt. */
    leaseFile: z.string().optional(),
    /** DNS search list (option 119). */
    domainSearch: z.array(z.string()).default([]),
    /** TFTP server for siaddr/option 66; defaults to serverAddress. */
    tftpServer: z.string().optional(),
    /** Base URL of boot HTTP for iPXE scripts and UEFI HTTP boot; default http.publicUrl or http://<serverAddress>:<http.port>. */
    httpBaseUrl: z.string().optional(),
    biosFile: z.string().optional(),
    /** UEFI x64 binary: snponly.efi (default) or ipxe.efi. */
    efiX64File: z.string().optional(),
    efiArm64File: z.string().optional(),
    /** More subnets; the flat subnet/range/router/dns/... keys above stay the first one. */
    subnets: z.array(dhcpSubnet).default([]),
    /** Several interfaces in one instance, each with its own subnet(s); replaces `interface` and the flat subnet. */
    interfaces: z.array(dhcpInterface).default([]),
    /** Free-form options for every client (dnsmasq dhcp-option). */
    options: dhcpOptionMap.optional(),
    match: z.array(dhcpMatchRule).default([]),
    /** Tag expression (`efi`, `tag:efi,tag:!ipxe`) -> options and boot file; later matching entries override. */
    tags: dhcpTagMap.default({}),
    /** Tag expressions whose clients get no answer (dnsmasq dhcp-ignore=tag:...), e.g. "tag:!known". */
    ignore: z.array(dhcpTagExpression).default([]),
    /** false: silent on REQUESTs for leases we do not know (dnsmasq without dhcp-authoritative). */
    authoritative: z.boolean().default(true),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.interfaces.length === 0) return;
    for (const k of PER_INTERFACE_ONLY) {
      if (s[k] !== undefined)
        ctx.addIssue({ code: 'custom', path: [k], message: 'with interfaces:, set it per interface' });
    }
    if (s.subnets.length)
      ctx.addIssue({ code: 'custom', path: ['subnets'], message: 'with interfaces:, set it per interface' });
    const names = s.interfaces.map((i) => i.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['interfaces'], message: `interface ${dup} is listed twice` });
  });

/** The `dhcp:` section after parsing (every default applied). */
export type DhcpSection = z.output<typeof dhcpSection>;
