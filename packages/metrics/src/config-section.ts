import { z } from 'zod';

/** `GET /metrics` (Prometheus text format) on the Redfish listener, unauthenticated like most exporters. */
export const metricsSection = z
  .object({
    enabled: z.boolean().default(true),
  })
  .strict();
export type MetricsSection = z.infer<typeof metricsSection>;
