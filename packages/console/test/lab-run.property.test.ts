/** fast-check over the Lab page's reduction of a run (web/src/lab-run.ts, pure): counts and the sentence it says. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSummary } from '../web/src/lab-run.js';
import type { LabRun } from '../web/src/types.js';

const stepState = fc.constantFrom('running' as const, 'done' as const, 'failed' as const);

const run = fc
  .record({
    total: fc.nat(12),
    states: fc.array(stepState, { maxLength: 12 }),
    state: fc.constantFrom('running' as const, 'done' as const, 'failed' as const),
    error: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
  })
  .map(({ total, states, state, error }): LabRun => ({
    runId: 'r',
    run: 'up',
    title: 'lab up lab',
    state,
    total: Math.max(total, states.length),
    steps: states.map((s, i) => ({ index: i + 1, step: `step ${i + 1}`, state: s, startedAt: i })),
    ...(error ? { error } : {}),
    startedAt: 0,
  }));

describe('runSummary (property)', () => {
  it('counts done steps out of the total, names the running one, and says the run state first', () => {
    fc.assert(
      fc.property(run, (r) => {
        const s = runSummary(r);
        expect(s.done).toBe(r.steps.filter((x) => x.state === 'done').length);
        expect(s.done).toBeLessThanOrEqual(s.total);
        expect(s.failed.every((x) => x.state === 'failed')).toBe(true);
        expect(s.running?.state ?? 'running').toBe('running');
        expect(s.text.startsWith(`lab up lab ${r.state}`)).toBe(true);
        if (r.state === 'running' && s.running) expect(s.text).toContain(`now [${s.running.index}/${r.total}]`);
        if (r.state !== 'done' || r.total > 0) expect(s.text).toContain(`${s.done} of ${r.total} step`);
      }),
      { numRuns: 500 },
    );
  });
});
