import { BmcEmuError, ErrorCode, isBmcEmuError } from '@bmc-emu/core';
import {
  labDown,
  labPlan,
  labStatus,
  labUp,
  type Progress,
  type ProgressEvent,
  type RegisterResult,
  type Step,
} from '@bmc-emu/lab';
import { ExitCode } from './exit-codes.js';
import { runInstaller } from './lab-install.js';
import { reportLabRun } from './lab-report.js';
import { ensureServe, labServeStateDir, stopServe } from './lab-serve.js';
import { withSpinner } from './lab-tty.js';
import { type LabFileFlags, prepareLab } from './lab-render.js';

export interface LabRunFlags extends LabFileFlags {
  json?: boolean;
  out?: string;
  keepDisks?: boolean;
  serveStateDir?: string;
  install?: boolean;
  serve?: boolean;
}

const SYMBOL: Record<Step['action'], string> = {
  create: '+',
  update: '~',
  resize: '~',
  remove: '-',
  keep: '=',
  refuse: '!',
  manual: '?',
};

function stepLine(s: Step): string {
  const what = s.pool ? `${s.kind} ${s.pool}/${s.name}` : `${s.kind} ${s.name}`;
  const extra = [s.detail, s.command ? `run: ${s.command}` : undefined].filter(Boolean).join('; ');
  return `${SYMBOL[s.action]} ${s.action} ${what}${extra ? ` (${extra})` : ''}${s.host ? ` on ${s.host}` : ''}`;
}

function bmcLine(b: RegisterResult): string {
  const what = [
    `${b.added.length} added`,
    ...(b.changed.length ? [`${b.changed.length} changed`] : []),
    ...(b.removed.length ? [`${b.removed.length} released`] : []),
  ].join(', ');
  return b.mode === 'live'
    ? `bmcs: ${what} in the running serve of ${b.registry} (answering now)`
    : `bmcs: ${what} in ${b.registry}/bmcs.json (no serve runs there; the next \`serve --state-dir ${b.registry}\` answers them)`;
}

const publicStep = ({ xml: _xml, ...rest }: Step) => rest;

const eventLine = (e: ProgressEvent) => `[${e.index}/${e.total}] ${stepLine(e.step)}`;
const eventTitle = (e: ProgressEvent) => stepLine(e.step);

/** The line saying where progress went (a running serve's console), on stderr. */
async function reported(line: Promise<string | undefined>): Promise<void> {
  const text = await line;
  if (text) process.stderr.write(`${text}\n`);
}

/** Spinners on a terminal; plain lines (or JSON) when piped, as in CI and tests. */
const spinners = (flags: LabRunFlags) => process.stdout.isTTY === true && !flags.json;

function progressPrinter(json: boolean): Progress {
  return (e) => {
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ event: e.phase, index: e.index, total: e.total, ...publicStep(e.step), ...(e.error ? { error: e.error } : {}) })}\n`,
      );
      return;
    }
    if (e.phase === 'start') process.stdout.write(`[${e.index}/${e.total}] ${stepLine(e.step)}\n`);
    if (e.phase === 'failed') process.stderr.write(`[${e.index}/${e.total}] failed: ${e.error}\n`);
  };
}

function fail(err: unknown): number {
  if (isBmcEmuError(err, ErrorCode.DriverUnavailable)) {
    process.stderr.write(`bmc-emu: ${err.message}\n`);
    return ExitCode.DriverUnavailable;
  }
  const msg = err instanceof BmcEmuError ? `${err.code}: ${err.message}` : (err as Error).message;
  process.stderr.write(`bmc-emu: ${msg}\n`);
  return ExitCode.Failure;
}

/** SIGINT stops between steps (the state file stays true) instead of killing a virsh call half-way. */
function interruptible(): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const onSig = () => {
    process.stderr.write('bmc-emu: interrupted; finishing the current step\n');
    ac.abort();
  };
  process.on('SIGINT', onSig);
  return { signal: ac.signal, done: () => process.off('SIGINT', onSig) };
}

export async function labPlanCmd(flags: LabRunFlags): Promise<number> {
  const p = await prepareLab(flags);
  if (!p.ok) return p.code;
  try {
    const { steps } = await labPlan({ model: p.model, rendered: p.rendered });
    const todo = steps.filter((s) => s.action !== 'keep');
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(steps.map(publicStep), null, 2)}\n`);
    } else {
      for (const s of steps) process.stdout.write(`${stepLine(s)}\n`);
      process.stdout.write(
        todo.length === 0
          ? 'plan: nothing to do\n'
          : `plan: ${todo.length} change(s), ${steps.length - todo.length} unchanged\n`,
      );
    }
    return steps.some((s) => s.action === 'refuse') ? ExitCode.Failure : ExitCode.Ok;
  } catch (err) {
    return fail(err);
  }
}

export async function labUpCmd(flags: LabRunFlags): Promise<number> {
  const p = await prepareLab(flags);
  if (!p.ok) return p.code;
  const intr = interruptible();
  const started = Date.now();
  const report = reportLabRun(
    p.model,
    'up',
    { config: flags.config ?? 'lab.yaml', outDir: flags.out ?? 'lab-out', serveStateDir: flags.serveStateDir },
    eventTitle,
  );
  try {
    const up = (progress: Progress) =>
      labUp({
        model: p.model,
        rendered: p.rendered,
        progress: report.wrap(progress),
        signal: intr.signal,
        outDir: flags.out ?? 'lab-out',
        serveStateDir: flags.serveStateDir ?? (flags.serve ? labServeStateDir(p.model) : p.lab.bmc.serveStateDir),
      });
    const r = spinners(flags)
      ? await withSpinner(`lab up ${p.lab.name}`, eventLine, up)
      : await up(progressPrinter(flags.json === true));
    for (const s of r.steps.filter((x) => x.action === 'manual'))
      process.stderr.write(`bmc-emu: not applied: ${stepLine(s)}\n`);
    if (flags.serve) process.stderr.write(`${await ensureServe(p.model)}\n`);
    await reported(report.finish());
    const summary = {
      event: 'summary',
      changes: r.steps.length,
      libvirtCalls: r.calls,
      ms: Date.now() - started,
      files: r.written,
      ...(r.bmcs ? { bmcs: r.bmcs } : {}),
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      for (const f of r.written) process.stdout.write(`wrote ${f}\n`);
      if (r.bmcs) process.stdout.write(`${bmcLine(r.bmcs)}\n`);
      process.stdout.write(`up: ${r.steps.length} change(s) in ${summary.ms} ms, ${r.calls} libvirt call(s)\n`);
      if (p.lab.mode === 'ipi' && !flags.install) {
        process.stdout.write(`next: openshift-baremetal-install --dir ${flags.out ?? 'lab-out'} create cluster\n`);
      }
    }
    if (flags.install && p.lab.mode !== 'ipi') {
      process.stderr.write('bmc-emu: --install runs the IPI installer; a upi lab is installed by its own PXE boot\n');
    }
    if (flags.install && p.lab.mode === 'ipi') {
      intr.done(); // from here SIGINT belongs to the installer (runInstaller forwards it)
      return await runInstaller(flags.out ?? 'lab-out');
    }
    return ExitCode.Ok;
  } catch (err) {
    await reported(report.finish(err));
    return fail(err);
  } finally {
    intr.done();
  }
}

export async function labDownCmd(flags: LabRunFlags): Promise<number> {
  const p = await prepareLab(flags, { validate: false });
  if (!p.ok) return p.code;
  const intr = interruptible();
  const report = reportLabRun(
    p.model,
    'down',
    { config: flags.config ?? 'lab.yaml', serveStateDir: flags.serveStateDir },
    eventTitle,
  );
  try {
    const down = (progress: Progress) =>
      labDown({
        model: p.model,
        rendered: p.rendered,
        progress: report.wrap(progress),
        signal: intr.signal,
        keepDisks: flags.keepDisks === true,
      });
    const r = spinners(flags)
      ? await withSpinner(`lab down ${p.lab.name}`, eventLine, down)
      : await down(progressPrinter(flags.json === true));
    await reported(report.finish());
    const stopped = await stopServe(p.model);
    if (stopped) process.stderr.write(`${stopped}\n`);
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify({ event: 'summary', changes: r.steps.length, libvirtCalls: r.calls, bmcs: r.bmcs })}\n`,
      );
    else {
      process.stdout.write(
        `down: removed ${r.steps.filter((s) => s.action === 'remove').length} object(s)` +
          `${r.bmcs.length ? `, released ${r.bmcs.length} BMC(s)` : ''}\n`,
      );
    }
    return ExitCode.Ok;
  } catch (err) {
    await reported(report.finish(err));
    return fail(err);
  } finally {
    intr.done();
  }
}

export async function labStatusCmd(flags: LabRunFlags): Promise<number> {
  const p = await prepareLab(flags, { validate: false });
  if (!p.ok) return p.code;
  try {
    const rows = await labStatus({ model: p.model });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.Ok;
    }
    const head = ['NAME', 'ROLE', 'HYPERVISOR', 'POWER', 'BOOT', 'MEDIA', 'MAC', 'IP', 'BMC', 'LAST BOOT'];
    const table = rows.map((r) => [
      r.name,
      r.role,
      r.hypervisor,
      r.power,
      r.bootOverride,
      r.media,
      r.mac,
      r.ip,
      r.bmc,
      r.lastBoot,
    ]);
    const widths = head.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
    const fmt = (r: string[]) =>
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${[fmt(head), ...table.map(fmt)].join('\n')}\n`);
    return ExitCode.Ok;
  } catch (err) {
    return fail(err);
  }
}
