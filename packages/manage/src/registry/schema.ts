import { z } from 'zod';

/** IPMI user names are at most 16 bytes and passwords 20 (IPMI 2.0 user/password fields). */
export const bmcRecordSchema = z
  .object({
    node: z.string().min(1).max(255),
    libvirtUri: z.string().min(1).optional(),
    ipmi: z
      .object({
        address: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535),
      })
      .strict(),
    /** This BMC's own account; absent, the server's top-level user/password (sushy-tools' shared accounts). */
    user: z.string().min(1).max(16).optional(),
    password: z.string().min(1).max(20).optional(),
    active: z.boolean(),
    /** A memory-driver node this BMC brings with it (`bmc add --memory`): demos and tests need no libvirt. */
    memory: z
      .object({
        cpus: z.number().int().min(1).max(1024),
        memoryMib: z
          .number()
          .int()
          .min(16)
          .max(16 * 1024 * 1024),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => (b.user === undefined) === (b.password === undefined), {
    message: 'user and password go together: give both or neither',
    path: ['password'],
  });

export const registryFileSchema = z
  .object({
    version: z.literal(1),
    bmcs: z.array(bmcRecordSchema),
  })
  .strict();

export type RegistryFile = z.infer<typeof registryFileSchema>;
export const emptyRegistry = (): RegistryFile => ({ version: 1, bmcs: [] });
