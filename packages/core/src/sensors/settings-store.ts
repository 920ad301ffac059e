import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logging.js';
import { StateFile } from '../state-file.js';
import { THRESHOLD_NAMES } from './catalog.js';
import type { SensorSettings } from './settings.js';

const thresholdsSchema = z.object(
  Object.fromEntries(THRESHOLD_NAMES.map((n) => [n, z.number().finite().optional()])) as Record<
    (typeof THRESHOLD_NAMES)[number],
    z.ZodOptional<z.ZodNumber>
  >,
);
const fileSchema = z.object({
  sensors: z.record(
    z.string().regex(/^\d+$/),
    z.object({
      thresholds: thresholdsSchema.optional(),
      events: z
        .object({
          messages: z.boolean(),
          scanning: z.boolean(),
          assertions: z.number().int().min(0).max(0xffff),
          deassertions: z.number().int().min(0).max(0xffff),
        })
        .optional(),
    }),
  ),
});

/**
 * What clients set on each node's sensors (thresholds, event enables): one JSON file per node under
 * `<dir>`, written atomically, read back at start so a restart keeps them. Without `dir`, memory only.
 */
export class SensorSettingsStore {
  private readonly nodes = new Map<string, Map<number, SensorSettings>>();
  private readonly files = new Map<string, StateFile>();

  constructor(private readonly opts: { dir?: string; logger?: Logger } = {}) {}

  private path(nodeId: string): string | undefined {
    return this.opts.dir ? join(this.opts.dir, `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`) : undefined;
  }

  /** Read a node's saved settings (once); a missing file means none, a damaged one is logged and ignored. */
  async load(nodeId: string): Promise<void> {
    if (this.nodes.has(nodeId)) return;
    const map = new Map<number, SensorSettings>();
    const path = this.path(nodeId);
    if (path) {
      try {
        const parsed = fileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
        if (parsed.success) {
          for (const [k, v] of Object.entries(parsed.data.sensors)) map.set(Number(k), v as SensorSettings);
        } else {
          this.opts.logger?.warn({ path }, 'sensor settings file is not valid; using the defaults');
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.opts.logger?.warn({ err, path }, 'sensor settings file could not be read; using the defaults');
        }
      }
    }
    if (!this.nodes.has(nodeId)) this.nodes.set(nodeId, map);
  }

  get(nodeId: string, sensor: number): SensorSettings | undefined {
    return this.nodes.get(nodeId)?.get(sensor);
  }

  update(nodeId: string, sensor: number, change: SensorSettings): void {
    let map = this.nodes.get(nodeId);
    if (!map) {
      map = new Map();
      this.nodes.set(nodeId, map);
    }
    map.set(sensor, { ...map.get(sensor), ...change });
    const path = this.path(nodeId);
    if (!path) return;
    let file = this.files.get(nodeId);
    if (!file) {
      file = new StateFile({
        path,
        what: 'sensor settings',
        ...(this.opts.logger ? { logger: this.opts.logger } : {}),
      });
      this.files.set(nodeId, file);
    }
    const snapshot = map;
    file.save(() => JSON.stringify({ sensors: Object.fromEntries(snapshot) }, null, 2));
  }

  /** Forget a removed node in memory (its file stays, like its SEL). */
  forget(nodeId: string): void {
    this.nodes.delete(nodeId);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => f.flush()));
  }
}
