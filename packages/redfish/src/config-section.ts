import { z } from 'zod';

export const redfishSection = z
  .object({
    enabled: z.boolean().default(true),
    port: z.number().int().min(0).max(65535).default(8000),
    tls: z.boolean().default(true),
    /** PEM files; when absent a self-signed certificate is generated on first start and kept. */
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    sessionTimeoutSec: z.number().int().min(30).max(86_400).default(1800),
    /** Largest image a virtual-media insert may download (bytes). */
    maxImageBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 ** 3),
    /** Accept self-signed https certificates when downloading a virtual-media image (BMC labs are full of them). */
    insecureImageTls: z.boolean().default(true),
    /**
     * InsertMedia answers 202 + a task (its PercentComplete follows the download) when the download takes longer
     * than this (ms).
     */
    insertWaitMs: z.number().int().min(0).max(600_000).default(5000),
    /** More Administrator accounts from an htpasswd file (sushy-tools' AUTH_FILE), re-read when it changes. */
    htpasswdFile: z.string().min(1).optional(),
  })
  .strict();

/** The `redfish:` section after parsing (every default applied). */
export type RedfishSection = z.output<typeof redfishSection>;
