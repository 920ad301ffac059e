import { z } from 'zod';

export const sensorsSection = z
  .object({
    /**
     * Sensors forced past their critical threshold, to test alerting: node name or UUID -> sensor
     * names or ids (e.g. `{"node-0": ["CPU1 Temp", "Fan2"]}`).
     */
    faults: z.record(z.string(), z.array(z.string().min(1))).default({}),
    /** Oldest SEL entries go out beyond this many per node. */
    selMaxEntries: z.number().int().min(16).max(100_000).default(1000),
    /** How often thresholds are checked for crossings that go into the SEL (ms). */
    scanIntervalMs: z.number().int().min(0).max(3_600_000).default(5_000),
  })
  .strict();
export type SensorsSection = z.infer<typeof sensorsSection>;
