/**
 * How long downloads show on a terminal (issue #13 section 4): a cli-progress bar per download on a TTY,
 * plain lines otherwise (started, each quarter, done or failed), so logs and CI output stay readable.
 * `bmc-emu serve` feeds it from the event stream, `bmc-emu media insert --wait` from the Redfish task.
 */
import { MultiBar, type SingleBar } from 'cli-progress';

export interface DownloadProgress {
  /** Bytes (or percent points, with `unit: 'percent'`) so far. */
  done: number;
  total?: number | undefined;
  unit: 'bytes' | 'percent';
}

export interface DownloadView {
  update(key: string, label: string, p: DownloadProgress): void;
  finish(key: string, outcome: { ok: true; size?: number } | { ok: false; error: string }): void;
  /** Ends every bar (the cursor comes back); further updates start new ones. */
  stop(): void;
}

export interface DownloadViewOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: out.isTTY. */
  tty?: boolean;
  /** How long a finished bar stays drawn at its end state before it gives way (ms; default 1500). */
  keepFinishedMs?: number;
}

export function downloadView(opts: DownloadViewOptions): DownloadView {
  return (opts.tty ?? opts.out.isTTY === true) ? new BarView(opts) : new LineView(opts.out);
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function detail(p: DownloadProgress): string {
  if (p.unit === 'percent') return '';
  return p.total ? `${humanBytes(p.done)} of ${humanBytes(p.total)}` : humanBytes(p.done);
}

class LineView implements DownloadView {
  private readonly shown = new Map<string, { label: string; quarter: number }>();

  constructor(private readonly out: NodeJS.WritableStream) {}

  update(key: string, label: string, p: DownloadProgress): void {
    let s = this.shown.get(key);
    if (!s) {
      this.shown.set(key, (s = { label, quarter: 0 }));
      this.line(label, 'started');
    }
    if (!p.total) return;
    const quarter = Math.floor((p.done / p.total) * 4);
    if (quarter > s.quarter && quarter < 4) {
      s.quarter = quarter;
      const d = detail(p);
      this.line(label, `${quarter * 25}%${d ? ` (${d})` : ''}`);
    }
  }

  finish(key: string, outcome: { ok: true; size?: number } | { ok: false; error: string }): void {
    const label = this.shown.get(key)?.label ?? key;
    this.shown.delete(key);
    if (outcome.ok) this.line(label, `100% done${outcome.size !== undefined ? ` (${humanBytes(outcome.size)})` : ''}`);
    else this.line(label, `failed: ${outcome.error}`);
  }

  stop(): void {
    this.shown.clear();
  }

  private line(label: string, what: string): void {
    this.out.write(`media ${label}: ${what}\n`);
  }
}

class BarView implements DownloadView {
  private multi: MultiBar | undefined;
  private readonly bars = new Map<string, { bar: SingleBar; label: string; total: number }>();
  private readonly keepMs: number;

  constructor(private readonly opts: DownloadViewOptions) {
    this.keepMs = opts.keepFinishedMs ?? 1500;
  }

  update(key: string, label: string, p: DownloadProgress): void {
    // a bar needs a total: percent has 100, an unknown size shows bytes against a moving end
    const total = p.unit === 'percent' ? 100 : (p.total ?? Math.max(1, p.done * 2));
    const payload = { label, detail: detail(p) };
    const b = this.bars.get(key);
    if (!b) {
      this.multi ??= new MultiBar({
        stream: this.opts.out,
        format: '{label} |{bar}| {percentage}% {detail}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        barsize: 30,
        barCompleteChar: '\u2588',
        barIncompleteChar: '\u2591',
      });
      this.bars.set(key, { bar: this.multi.create(total, p.done, payload), label, total });
      return;
    }
    if (total !== b.total) {
      b.bar.setTotal(total);
      b.total = total;
    }
    b.bar.update(p.done, payload);
  }

  finish(key: string, outcome: { ok: true; size?: number } | { ok: false; error: string }): void {
    const b = this.bars.get(key);
    if (!b) return;
    this.bars.delete(key);
    if (outcome.ok) {
      b.bar.update(b.total, {
        label: b.label,
        detail: outcome.size !== undefined ? `done, ${humanBytes(outcome.size)}` : 'done',
      });
    } else {
      b.bar.update({ label: b.label, detail: `failed: ${outcome.error}` });
    }
    const multi = this.multi;
    multi?.update();
    const later = setTimeout(() => {
      if (this.multi !== multi) return;
      if (this.bars.size === 0) this.stop();
      else multi?.remove(b.bar);
    }, this.keepMs);
    later.unref();
  }

  stop(): void {
    this.multi?.stop();
    this.multi = undefined;
    this.bars.clear();
  }
}
