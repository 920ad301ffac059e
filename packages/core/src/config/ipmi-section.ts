import { z } from 'zod';

export const ipmiSection = z
  .object({
    enabled: z.boolean().default(true),
    /** First UDP port; node N in list order gets basePort + N (vbmc-compatible 6230, 6231, ...). */
    basePort: z.number().int().min(1).max(65535).default(6230),
    /** Answer IPMI 1.5 (`ipmitool -I lan`, MD5 auth). */
    ipmi15: z.boolean().default(true),
    /** Optional BMC key (Kg), hex or text. */
    kg: z.string().optional(),
    maxSessionsPerBmc: z.number().int().min(1).max(64).default(8),
    sessionIdleTimeoutSec: z.number().int().min(5).max(3600).default(60),
  })
  .strict();
