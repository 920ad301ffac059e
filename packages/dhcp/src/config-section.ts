import { z } from 'zod';
import { macSchema } from '@bmc-emu/core';

export const dhcpReservation = z
  .object({
    mac: macSchema,
    ip: z.string().min(1),
    hostname: z.string().optional(),
    bootFile: z.string().optional(),
    /** false: give an address but no boot file. */
    pxe: z.boolean().default(true),
  })
  .strict();

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
  })
  .strict();

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
  })
  .strict();

/** The `dhcp:` section after parsing (every default applied). */
export type DhcpSection = z.output<typeof dhcpSection>;
