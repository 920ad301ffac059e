import { z } from 'zod';

/** `GET /metrics` (Prometheus text format) on the Redfish and boot-HTTP listeners, unauthenticated like most exporters. */
export const metricsSection = z
  .object({
    enabled: z.boolean().default(true),
    /** Also on the boot-HTTP listener (when `http.enabled`); `BMCEMU_METRICS_BOOT_HTTP=false` turns it off there. */
    bootHttp: z.boolean().default(true),
  })
  .strict();
export type MetricsSection = z.infer<typeof metricsSection>;
