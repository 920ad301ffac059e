/** The find-my-way router agrees with the former ordered-template router on every route of the service. */
import { sharedSettings, demoNodes, MemoryDriver, silentLogger } from '@bmc-emu/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../src/route.js';
import { createRedfishApp, findMyWayRouter, linearRouter, redfishSection, type RouteLookup } from '../src/index.js';

let routes: readonly Route[] = [];
let app: ReturnType<typeof createRedfishApp>;
let driver: MemoryDriver;
let fmw: RouteLookup;
let linear: RouteLookup;
beforeAll(() => {
  driver = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0 });
  app = createRedfishApp({
    driver,
    settings: redfishSection.parse({ tls: false }),
    shared: sharedSettings({ stateDir: '/nonexistent-bmcemu-router-test' }),
    logger: silentLogger(),
    router: (r) => {
      routes = r;
      return findMyWayRouter(r);
    },
  });
  fmw = findMyWayRouter(routes);
  linear = linearRouter(routes);
});
afterAll(async () => {
  app.shutdown();
  await driver.close();
});

const same = (path: string) => {
  const a = linear(path);
  const b = fmw(path);
  expect(b?.route.path, path).toBe(a?.route.path);
  expect(b?.params, path).toEqual(a?.params);
};

/** A segment value as clients send them: letters, digits, - . _ ~ and a few sub-delims, or percent-encoded. */
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{1,40}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => encodeURIComponent(s).replace(/%2F/gi, '_')),
);

describe('router', () => {
  it('serves every template of the service', () => {
    expect(routes.length).toBeGreaterThan(50);
    for (const r of routes) {
      const path = r.path.replace(/\{\w+\}/g, 'x1');
      expect(fmw(path)?.route.path).toBe(r.path);
      same(path);
    }
  });

  it('fast-check: same route and decoded params for any values in any template, and for near misses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...routes.map((r) => r.path)),
        fc.array(segment, { minLength: 4, maxLength: 4 }),
        fc.constantFrom('', '/', '/extra', '//', 'X'),
        (template, values, tail) => {
          let i = 0;
          const path = template.replace(/\{\w+\}/g, () => values[i++]!) + tail;
          same(path);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('fast-check: the same answer (usually none) for junk, except where find-my-way decodes static segments', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.constantFrom('', '/redfish/v1/', '/redfish/v1/Systems/'),
        (junk, prefix) => {
          const path = prefix + junk;
          if (/%/.test(path)) return; // documented difference: RFC 3986 decoding of static segments
          same(path);
        },
      ),
      { numRuns: 3000 },
    );
    expect(fmw('/redfish/v1/Sys%74ems')?.route.path).toBe('/redfish/v1/Systems');
  });
});
