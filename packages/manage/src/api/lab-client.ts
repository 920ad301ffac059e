/**
 * How `bmc-emu lab up|down` tells a running serve about a lab: reports are queued and sent in order over the
 * management API of the first state dir whose serve answers. None answering yet (`lab up --serve` starts one
 * only after the steps) keeps them queued for `flush()`; a serve that errs or hangs is given up on, so the
 * lab itself never waits on it or fails because of it.
 */
import { access } from 'node:fs/promises';
import { readManagementToken } from './management-server.js';
import type { LabProgress, LabReport } from './lab-report.js';
import { managementPaths } from './paths.js';
import { socketJson } from './socket-request.js';

export interface LabReporterOptions {
  /** serve state dirs to try, in order. */
  stateDirs: string[];
  /** Per request (default 2 s). */
  timeoutMs?: number;
  /** Reports held while no serve answers (default 1,000; the oldest step reports go first). */
  maxQueue?: number;
}

export interface LabReportResult {
  /** The serve state dir that got the reports. */
  deliveredTo?: string;
  delivered: number;
  /** Still queued: no serve answered. */
  pending: number;
  /** Why reporting stopped (a refusal, a timeout). */
  error?: string;
}

interface Item {
  method: 'PUT' | 'POST';
  path: string;
  body: unknown;
}

interface Target {
  stateDir: string;
  socket: string;
  token: string;
}

const NOBODY = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EACCES']);

export class LabReporter {
  private readonly queue: Item[] = [];
  private target: Target | undefined;
  private chain: Promise<void> = Promise.resolve();
  private delivered = 0;
  private error: string | undefined;
  /** State dirs whose socket did not answer: skipped until the next flush. */
  private readonly dead = new Set<string>();

  constructor(private readonly opts: LabReporterOptions) {}

  describe(report: LabReport): void {
    this.enqueue({ method: 'PUT', path: `/v1/labs/${encodeURIComponent(report.name)}`, body: report });
  }

  progress(lab: string, p: LabProgress): void {
    this.enqueue({ method: 'POST', path: `/v1/labs/${encodeURIComponent(lab)}/progress`, body: p });
  }

  /** Send what is queued (looking for a serve once more), and say how it went. */
  async flush(): Promise<LabReportResult> {
    this.dead.clear();
    this.pump();
    await this.chain;
    return {
      ...(this.target && this.delivered > 0 ? { deliveredTo: this.target.stateDir } : {}),
      delivered: this.delivered,
      pending: this.queue.length,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  private enqueue(item: Item): void {
    if (this.error) return;
    this.queue.push(item);
    const max = this.opts.maxQueue ?? 1_000;
    // keep the description (first) and the newest reports
    if (this.queue.length > max) this.queue.splice(1, this.queue.length - max);
    this.pump();
  }

  private pump(): void {
    this.chain = this.chain.then(() => this.drain());
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.error) {
      const target = this.target ?? (await this.find());
      if (!target) return;
      const item = this.queue[0]!;
      try {
        const r = await socketJson(target.socket, target.token, item.method, item.path, item.body, this.opts.timeoutMs);
        if (r.status !== 200) {
          const msg = (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${r.status}`;
          this.stop(`serve at ${target.stateDir} refused ${item.method} ${item.path}: ${msg}`);
          return;
        }
        this.queue.shift();
        this.delivered++;
      } catch (err) {
        if (NOBODY.has((err as NodeJS.ErrnoException).code ?? '')) {
          this.dead.add(target.stateDir);
          this.target = undefined;
          continue;
        }
        this.stop(`serve at ${target.stateDir}: ${(err as Error).message}`);
        return;
      }
    }
  }

  private stop(error: string): void {
    this.error = error;
    this.queue.length = 0;
  }

  /** The first state dir with a token and a socket that is there (answering is checked by the request). */
  private async find(): Promise<Target | undefined> {
    for (const stateDir of this.opts.stateDirs) {
      if (this.dead.has(stateDir)) continue;
      const socket = managementPaths(stateDir).socket;
      const there = await access(socket).then(
        () => true,
        () => false,
      );
      if (!there) {
        this.dead.add(stateDir);
        continue;
      }
      const token = await readManagementToken(stateDir).catch(() => undefined);
      if (!token) {
        this.dead.add(stateDir);
        continue;
      }
      this.target = { stateDir, socket, token };
      return this.target;
    }
    return undefined;
  }
}
