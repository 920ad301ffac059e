import { z } from 'zod';
import { ipv4Schema } from '@bmc-emu/core';

export const ipmiCredentials = z
  .object({ user: z.string().min(1).max(16), password: z.string().min(1).max(20) })
  .strict();

export const ipmiSection = z
  .object({
    enabled: z.boolean().default(true),
    /** First UDP port; node N in list order gets basePort + N (vbmc-compatible 6230, 6231, ...). */
    basePort: z.number().int().min(1).max(65535).default(6230),
    /**
     * One IP per node instead of one port per node: node N binds addressBase + N on addressPort
     * (623, what real BMCs use). The addresses must exist on an interface (any 127.x.y.z works on lo).
     */
    addressBase: ipv4Schema.optional(),
    addressPort: z.number().int().min(1).max(65535).default(623),
    /** Answer IPMI 1.5 (`ipmitool -I lan`, MD5 auth). */
    ipmi15: z.boolean().default(true),
    /** Optional BMC key (Kg), hex or text. */
    kg: z.string().optional(),
    /** Per-node credentials keyed by node name or UUID; other nodes use the top-level user/password. */
    credentials: z.record(z.string(), ipmiCredentials).default({}),
    maxSessionsPerBmc: z.number().int().min(1).max(64).default(8),
    sessionIdleTimeoutSec: z.number().int().min(5).max(3600).default(60),
    /** Constant delay before every refused handshake answer (unknown user, bad RAKP3, no suite). */
    failureDelayMs: z.number().int().min(0).max(5000).default(50),
    /**
     * The BMC clears the boot flag valid bit this long after an IPMI client sets it, unless a Chassis
     * Control command comes first or System Boot Options parameter 3 says not to (IPMI 2.0: 60 s).
     */
    bootFlagValidTimeoutSec: z.number().positive().max(3600).default(60),
  })
  .strict();

/** The `ipmi:` section after parsing (every default applied). */
export type IpmiSection = z.output<typeof ipmiSection>;
