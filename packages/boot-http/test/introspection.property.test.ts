import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/support/temp-dirs.js';
import { bearerAllowed } from '../src/bearer.js';
import { ReportStore } from '../src/report-store.js';

const temp = tempDirs();

describe('bearerAllowed', () => {
  it('admits exactly "Bearer <token>" and never throws on any header', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,40}$/);
    fc.assert(
      fc.property(token, fc.option(fc.string(), { nil: undefined }), (t, h) => {
        expect(bearerAllowed(`Bearer ${t}`, t)).toBe(true);
        expect(bearerAllowed(`bearer  ${t}`, t)).toBe(true);
        expect(bearerAllowed(`Bearer ${t}x`, t)).toBe(false);
        expect(bearerAllowed(t, t)).toBe(false);
        const got = bearerAllowed(h, t);
        if (got) expect(h?.trim().split(/ +/).at(-1)).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ReportStore', () => {
  it('keeps count and bytes under the caps, the newest report always, memory and disk alike', async () => {
    const mac = fc.integer({ min: 0, max: 15 }).map((i) => `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`);
    const put = fc.tuple(mac, fc.nat(3000));
    await fc.assert(
      fc.asyncProperty(
        fc.array(put, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (ops, max) => {
          const dir = await temp('bmcemu-store-');
          const store = new ReportStore({ dir, maxReports: max, maxBytes: 6000, logger: silentLogger() });
          for (const [m, n] of ops) {
            const body = JSON.stringify({ m, pad: 'x'.repeat(n) });
            await store.put(m, body);
            expect(store.get(m)).toEqual(JSON.parse(body));
            expect(store.size).toBeLessThanOrEqual(max);
            expect(store.size === 1 || store.totalBytes <= 6000).toBe(true);
          }
          const files = readdirSync(dir);
          expect(files.length).toBe(store.size);
          expect(files.reduce((a, f) => a + statSync(join(dir, f)).size, 0)).toBe(store.totalBytes);
          const reloaded = new ReportStore({ dir, maxReports: max, maxBytes: 6000, logger: silentLogger() });
          await reloaded.load();
          expect(reloaded.size).toBe(store.size);
          const last = ops.at(-1)![0];
          expect(reloaded.get(last)).toEqual(store.get(last));
        },
      ),
      { numRuns: 60 },
    );
  });
});
