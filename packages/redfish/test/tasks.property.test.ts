import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../src/route.js';
import { taskResource, TaskStore } from '../src/tasks.js';

describe('TaskStore progress (fast-check)', () => {
  it('whatever progress is reported, PercentComplete only rises, stays within 0..99 while running, is 100 when done', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -1000, max: 1000 })), { maxLength: 40 }),
        fc.boolean(),
        async (reports, succeeds) => {
          const store = new TaskStore();
          let finish!: (ok: boolean) => void;
          const work = new Promise<Reply>((resolve, reject) => {
            finish = (ok) => (ok ? resolve({ status: 204 }) : reject(new Error('copy failed')));
          });
          const t = store.start('work', work);
          let last = 0;
          for (const p of reports) {
            store.setProgress(t, p, 'Uploading');
            const shown = taskResource(t).PercentComplete as number;
            expect(shown).toBeGreaterThanOrEqual(last);
            expect(shown).toBeLessThanOrEqual(99);
            expect(Number.isInteger(shown)).toBe(true);
            last = shown;
          }
          finish(succeeds);
          await work.catch(() => undefined);
          await new Promise((r) => setImmediate(r));
          const end = taskResource(t);
          expect(end.TaskState).toBe(succeeds ? 'Completed' : 'Exception');
          expect(end.PercentComplete).toBe(succeeds ? 100 : last);
          expect(end.Oem).toBeUndefined();
          // a finished task does not move any more
          store.setProgress(t, 50);
          expect(taskResource(t).PercentComplete).toBe(end.PercentComplete);
        },
      ),
      { numRuns: 200 },
    );
  });
});
