/**
 * The labs a running serve knows of: what `lab up|down` last said about each (description and last run),
 * kept in `<serve stateDir>/labs.json` (written atomically after every change, read at start), so a lab made
 * before this serve started shows once `lab up` told any serve on this state dir about it. Every step is also
 * published as a `lab` event (the console's timeline and "Under way" card, logs, metrics).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BmcEmuError, ErrorCode, type Logger, type RackEventInput, silentLogger, writeFileAtomic } from '@bmc-emu/core';
import { z } from 'zod';
import {
  type LabBuilt,
  type LabProgress,
  type LabRecord,
  type LabReport,
  labReportSchema,
  type LabRun,
  labRunSchema,
} from './lab-report.js';

/** At most this many labs per serve: a runaway script cannot grow labs.json without bound. */
export const MAX_LABS = 64;

export interface LabBookOptions {
  /** serve's state dir (labs.json lives there). */
  stateDir: string;
  /** Where `lab` events go (the core EventBus's publish). */
  publish?: (e: Extract<RackEventInput, { kind: 'lab' }>) => void;
  /** What the lab's own state file records now (null: none). Without it, `built` is left out. */
  readBuilt?: (labStateDir: string, lab: string) => Promise<LabBuilt | null>;
  logger?: Logger;
  now?: () => number;
}

const labsFileSchema = z.object({
  version: z.literal(1),
  labs: z.array(z.object({ report: labReportSchema, updatedAt: z.number(), lastRun: labRunSchema.optional() })),
});

export const labsFilePath = (stateDir: string) => join(stateDir, 'labs.json');

const unknownLab = (name: string) =>
  new BmcEmuError(ErrorCode.NodeNotFound, `no lab "${name}" here: PUT /v1/labs/${name} describes it first`, {
    lab: name,
  });

/** One progress report applied to a lab's last run (pure; a new runId starts a new run). */
export function applyProgress(name: string, last: LabRun | undefined, p: LabProgress, now: number): LabRun {
  const fresh = !last || last.runId !== p.runId;
  const run: LabRun = fresh
    ? {
        runId: p.runId,
        run: p.run,
        title: `lab ${p.run} ${name}`,
        state: 'running',
        total: p.total,
        steps: [],
        startedAt: now,
      }
    : { ...last, steps: [...last.steps] };
  if (p.index === 0) {
    run.title = p.step;
    run.total = Math.max(run.total, p.total);
    if (p.state === 'start') return run;
    // a run with a failed step stays failed, whatever its end says
    if (run.state !== 'failed') run.state = p.state;
    run.endedAt = now;
    if (p.state === 'failed') {
      run.error = p.error ?? 'failed';
      // a step still running when the run failed did not finish either
      run.steps = run.steps.map((s) =>
        s.state === 'running' ? { ...s, state: 'failed', error: run.error, endedAt: now } : s,
      );
    }
    return run;
  }
  run.total = p.total;
  const at = run.steps.findIndex((s) => s.index === p.index);
  const prev = at >= 0 ? run.steps[at] : undefined;
  const step = {
    index: p.index,
    step: p.step,
    state: p.state === 'start' ? ('running' as const) : p.state,
    startedAt: prev?.startedAt ?? now,
    ...(p.state === 'start' ? {} : { endedAt: now }),
    ...(p.error ? { error: p.error } : {}),
  };
  if (at >= 0) run.steps[at] = step;
  else run.steps = [...run.steps, step].sort((a, b) => a.index - b.index);
  if (p.state === 'failed') {
    run.state = 'failed';
    run.error = p.error ?? `step ${p.index} failed`;
  }
  return run;
}

export class LabBook {
  private readonly labs = new Map<string, LabRecord>();
  private readonly path: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LabBookOptions) {
    this.path = labsFilePath(opts.stateDir);
    this.logger = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
  }

  /** Read labs.json (none yet: no labs). A damaged file is logged and left for a person to look at. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed: z.infer<typeof labsFileSchema>;
    try {
      parsed = labsFileSchema.parse(JSON.parse(text));
    } catch (err) {
      this.logger.warn(
        { path: this.path, err: (err as Error).message },
        'labs.json is not readable; starting with no labs (the next lab up rewrites it)',
      );
      return;
    }
    for (const r of parsed.labs.slice(0, MAX_LABS)) this.labs.set(r.report.name, r);
  }

  /** Add or replace a lab's description (its last run is kept). */
  async describe(report: LabReport): Promise<LabRecord> {
    const prev = this.labs.get(report.name);
    if (!prev && this.labs.size >= MAX_LABS) {
      throw new BmcEmuError(
        ErrorCode.Conflict,
        `this serve knows ${MAX_LABS} labs already: DELETE /v1/labs/<name> one it no longer needs`,
      );
    }
    const rec: LabRecord = { ...prev, report, updatedAt: this.now() };
    this.labs.set(report.name, rec);
    await this.save();
    return this.withBuilt(rec);
  }

  async progress(name: string, p: LabProgress): Promise<LabRecord> {
    const rec = this.labs.get(name);
    if (!rec) throw unknownLab(name);
    const next: LabRecord = { ...rec, updatedAt: this.now(), lastRun: applyProgress(name, rec.lastRun, p, this.now()) };
    this.labs.set(name, next);
    this.opts.publish?.({
      kind: 'lab',
      lab: name,
      run: p.run,
      step: p.step,
      index: p.index,
      total: p.total,
      state: p.state,
      ...(p.error ? { detail: p.error } : {}),
    });
    await this.save();
    return next;
  }

  async forget(name: string): Promise<void> {
    if (!this.labs.delete(name)) throw unknownLab(name);
    await this.save();
  }

  /** Every lab, by name, each with what its state file records right now. */
  async list(): Promise<LabRecord[]> {
    const recs = [...this.labs.values()].sort((a, b) => a.report.name.localeCompare(b.report.name));
    return Promise.all(recs.map((r) => this.withBuilt(r)));
  }

  async get(name: string): Promise<LabRecord> {
    const rec = this.labs.get(name);
    if (!rec) throw unknownLab(name);
    return this.withBuilt(rec);
  }

  private async withBuilt(rec: LabRecord): Promise<LabRecord> {
    const read = this.opts.readBuilt;
    if (!read) return rec;
    const built = await read(rec.report.stateDir, rec.report.name).catch(() => null);
    return { ...rec, built };
  }

  /** Writes are serialized; each writes the book as it is then. */
  private save(): Promise<void> {
    const next = this.saving.then(() => {
      const labs = [...this.labs.values()].map(({ report, updatedAt, lastRun }) => ({
        report,
        updatedAt,
        ...(lastRun ? { lastRun } : {}),
      }));
      return writeFileAtomic(this.path, `${JSON.stringify({ version: 1, labs }, null, 2)}\n`);
    });
    this.saving = next.catch((err: unknown) => this.logger.warn({ err, path: this.path }, 'could not write labs.json'));
    return next;
  }
}
