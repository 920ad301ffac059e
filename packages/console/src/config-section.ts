import { z } from 'zod';

/** The web console, served under /console/ on the Redfish listener (same TLS, same accounts). */
export const consoleSection = z
  .object({
    enabled: z.boolean().default(true),
  })
  .strict();
export type ConsoleSection = z.infer<typeof consoleSection>;
