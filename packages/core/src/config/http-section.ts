import { z } from 'zod';

export const httpSection = z
  .object({
    enabled: z.boolean().default(false),
    port: z.number().int().min(1).max(65535).default(8080),
    /** Folder of static boot assets (kernels, initrds, rootfs, ISOs). */
    root: z.string().default('www'),
    /** Folder of ignition files per role/host. */
    ignitionDir: z.string().optional(),
    /** Base URL clients use to reach this server; defaults to http://<bind>:<port>. */
    publicUrl: z.string().optional(),
    cacheDir: z.string().optional(),
  })
  .strict();
