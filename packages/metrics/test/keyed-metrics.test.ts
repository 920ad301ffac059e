import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KeyedCounter, KeyedHistogram } from '../src/keyed-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];
const methods = fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE');
/** Values on and around the bucket bounds, where `le` (less or equal) matters. */
const values = fc.oneof(fc.constantFrom(...BUCKETS, 0, 100), fc.double({ min: 0, max: 50, noNaN: true }));

describe('keyed metrics expose what prom-client would (fast-check)', () => {
  it('a histogram: same buckets, sums and counts for any observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(methods, values), { maxLength: 60 }), async (obs) => {
        const ours = new Registry();
        const theirs = new Registry();
        const k = new KeyedHistogram('x_seconds', 'h', ours, BUCKETS);
        const h = new Histogram({
          name: 'x_seconds',
          help: 'h',
          labelNames: ['method'],
          buckets: BUCKETS,
          registers: [theirs],
        });
        for (const [method, v] of obs) {
          k.observe(method, () => ({ method }), v);
          h.observe({ method }, v);
        }
        expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
      }),
    );
  });

  it('a counter: same series and values for any increments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(methods, fc.integer({ min: 100, max: 599 }), fc.nat(5))), async (incs) => {
        const ours = new Registry();
        const theirs = new Registry();
        const k = new KeyedCounter('x_total', 'c', ours);
        const c = new Counter({ name: 'x_total', help: 'c', labelNames: ['method', 'status'], registers: [theirs] });
        for (const [method, status, by] of incs) {
          k.inc(`${method} ${status}`, () => ({ method, status: String(status) }), by);
          c.inc({ method, status: String(status) }, by);
        }
        expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
      }),
    );
  });
});

/** Line order within a family differs (series creation order); the set of lines must not. */
const sorted = (text: string) => text.split('\n').sort();
