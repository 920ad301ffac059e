import type { Progress, ProgressEvent } from '@bmc-emu/lab';
import { Listr } from 'listr2';

/**
 * Run `work` under a listr2 task with a spinner (TTY only): each step's line replaces the last under
 * the spinner, a failure stays on screen and is rethrown.
 */
export async function withSpinner<T>(
  title: string,
  line: (e: ProgressEvent) => string,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  await new Listr(
    [
      {
        title,
        task: async (_ctx, task) => {
          result = await work((e) => {
            task.output = e.phase === 'failed' ? `failed: ${e.error}` : line(e);
          });
          task.title = `${title}: done`;
        },
        rendererOptions: { persistentOutput: true },
      },
    ],
    { exitOnError: true },
  ).run();
  return result as T;
}
