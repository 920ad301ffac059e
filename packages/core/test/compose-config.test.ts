import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { composeConfigSchema, configFromEnv, loadConfig, sharedSettings, withDefaults } from '../src/index.js';

// a package's section as a protocol package would write it: strict, every key defaulted or optional
const widgetSection = z
  .object({
    enabled: z.boolean().default(false),
    maxItems: z.number().int().min(1).default(7),
    nested: z
      .object({ deepKey: z.string().default('x') })
      .strict()
      .prefault({}),
    label: z.string().optional(),
  })
  .strict();

describe('composeConfigSchema', () => {
  const schema = composeConfigSchema({ widget: widgetSection });

  it("gives a missing section its defaults and keeps core's top-level keys", () => {
    const c = schema.parse({});
    expect(c.widget).toEqual({ enabled: false, maxItems: 7, nested: { deepKey: 'x' } });
    expect(c.bind).toBe('127.0.0.1');
    expect(c.driver.kind).toBe('auto');
  });

  it("refuses a section that would replace a top-level key, and the section's unknown keys", () => {
    expect(() => composeConfigSchema({ bind: widgetSection })).toThrow(/top-level key/);
    expect(() => schema.parse({ widget: { maxItem: 3 } })).toThrow();
  });

  it('maps BMCEMU_* names onto section keys through default, prefault and optional wrappers', () => {
    const { values, unknown } = configFromEnv(
      {
        BMCEMU_WIDGET_MAX_ITEMS: '9',
        BMCEMU_WIDGET_NESTED_DEEP_KEY: 'y',
        BMCEMU_WIDGET_LABEL: 'l',
        BMCEMU_DRIVER_DEMO_NODES: '2',
        BMCEMU_WIDGET_NOPE: '1',
      },
      schema,
    );
    expect(values).toEqual({ widget: { maxItems: 9, nested: { deepKey: 'y' }, label: 'l' }, driver: { demoNodes: 2 } });
    expect(unknown).toEqual(['BMCEMU_WIDGET_NOPE']);
  });

  it('loads through the composed schema and names a bad section key', async () => {
    const c = await loadConfig({ schema, env: { BMCEMU_WIDGET_ENABLED: 'true' } });
    expect(c.widget.enabled).toBe(true);
    const err = await loadConfig({ schema, env: {}, overrides: { widget: { maxItems: 0 } } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/widget\.maxItems/);
  });

  it("sharedSettings fills core's defaults", () => {
    expect(sharedSettings({ stateDir: '/s' })).toEqual({
      bind: '127.0.0.1',
      user: 'admin',
      password: 'password',
      stateDir: '/s',
    });
  });
});

describe('withDefaults', () => {
  it('keeps every default key, lets defined values win and never lets undefined erase a default', () => {
    const defaults = { a: 1, b: 'two', c: true };
    const given = fc.record(
      { a: fc.option(fc.integer(), { nil: undefined }), b: fc.option(fc.string(), { nil: undefined }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(given, (g) => {
        const out = withDefaults(defaults, g);
        expect(out.a).toBe(g.a ?? 1);
        expect(out.b).toBe(g.b ?? 'two');
        expect(out.c).toBe(true);
        expect(Object.keys(out).sort()).toEqual(['a', 'b', 'c']);
      }),
    );
  });
});
