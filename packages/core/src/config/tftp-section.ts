import { z } from 'zod';

export const tftpSection = z
  .object({
    enabled: z.boolean().default(false),
    port: z.number().int().min(1).max(65535).default(69),
    /** Folder served; iPXE binaries are also served from ipxeDir. */
    root: z.string().default('tftpboot'),
    ipxeDir: z.string().default('/usr/lib/ipxe'),
    allowWrite: z.boolean().default(false),
    maxBlksize: z.number().int().min(8).max(65464).default(1468),
  })
  .strict();
