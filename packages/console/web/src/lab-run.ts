/** A lab run reduced to what the Lab page says about it: steps done of total, the running one, failures. */
import type { LabRun, LabRunStep } from './types';

export interface RunSummary {
  done: number;
  total: number;
  running: LabRunStep | undefined;
  failed: LabRunStep[];
  /** One sentence for the live region (a failure's message is in the page's alert). */
  text: string;
}

export function runSummary(run: LabRun): RunSummary {
  const done = run.steps.filter((s) => s.state === 'done').length;
  const running = run.steps.find((s) => s.state === 'running');
  const failed = run.steps.filter((s) => s.state === 'failed');
  const steps = `${done} of ${run.total} step${run.total === 1 ? '' : 's'} done`;
  const text =
    run.state === 'failed'
      ? `${run.title} failed (${steps})`
      : run.state === 'done'
        ? `${run.title} done: ${run.total === 0 ? 'nothing to change' : steps}`
        : `${run.title} running: ${steps}${running ? `, now [${running.index}/${run.total}] ${running.step}` : ''}`;
  return { done, total: run.total, running, failed, text };
}

export function duration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}
