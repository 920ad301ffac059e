import { describe, expect, it } from 'vitest';
import { composeConfigSchema, configFromEnv, isBmcEmuError, loadConfig } from '../src/index.js';

const schema = composeConfigSchema({});

describe('sensors config section', () => {
  it('defaults: no faults, 1,000 SEL entries, a 5 s threshold scan', async () => {
    const c = await loadConfig({ schema, env: {} });
    expect(c.sensors).toEqual({ faults: {}, selMaxEntries: 1000, scanIntervalMs: 5000 });
  });

  it('takes faults from the file layer and numbers from BMCEMU_SENSORS_* variables', async () => {
    const env = configFromEnv({ BMCEMU_SENSORS_SCAN_INTERVAL_MS: '1000' }, schema);
    expect(env.unknown).toEqual([]);
    const c = await loadConfig({
      schema,
      env: { BMCEMU_SENSORS_SCAN_INTERVAL_MS: '1000' },
      overrides: { sensors: { faults: { 'node-0': ['Fan1'] } } },
    });
    expect(c.sensors.faults).toEqual({ 'node-0': ['Fan1'] });
    expect(c.sensors.scanIntervalMs).toBe(1000);
  });

  it('refuses a tiny SEL and unknown keys, naming them', async () => {
    for (const sensors of [{ selMaxEntries: 5 }, { fault: {} }]) {
      const err = await loadConfig({ schema, env: {}, overrides: { sensors } }).catch((e: unknown) => e);
      expect(isBmcEmuError(err)).toBe(true);
      expect(String((err as Error).message)).toMatch(/sensors/);
    }
  });
});
