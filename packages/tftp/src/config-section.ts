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
    /** Largest RFC 7440 windowsize granted. */
    maxWindowsize: z.number().int().min(1).max(65535).default(64),
    /** First retransmission timeout (ms) when the client names none; doubles per retry up to 5 s. */
    timeoutMs: z.number().int().min(10).max(60_000).default(1000),
    /** Retransmissions before a transfer is abandoned. */
    maxRetries: z.number().int().min(0).max(100).default(5),
  })
  .strict();

/** The `tftp:` section after parsing (every default applied). */
export type TftpSection = z.output<typeof tftpSection>;
