/**
 * `lab up|down` telling a running `bmc-emu serve` what it does: the lab's description, then "step k/n <title>
 * started|done|failed", over serve's management API (see packages/manage/src/api/lab-routes.ts). The serve
 * publishes each as a `lab` event and the console's Lab page shows it. Reporting never fails the lab.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { LabModel, Progress, ProgressEvent } from '@bmc-emu/lab';
import { type LabReport, LabReporter } from '@bmc-emu/manage';

/**
 * Which serve to tell: `--serve-state-dir`, else $BMCEMU_STATE_DIR, lab.yaml's `bmc.serveStateDir` (where `up`
 * registers the BMCs), the one `lab up --serve` starts, serve's default.
 */
export function serveStateDirs(m: LabModel, flagDir?: string): string[] {
  if (flagDir) return [resolve(flagDir)];
  const env = process.env.BMCEMU_STATE_DIR;
  const dirs = [
    env ? resolve(env) : undefined,
    resolve(m.lab.bmc.serveStateDir),
    join(m.lab.stateDir, 'serve'),
    resolve('.bmc-emu'),
  ];
  return [...new Set(dirs.filter((d): d is string => d !== undefined))];
}

export interface LabReportFiles {
  /** lab.yaml (for the next command after `down`). */
  config: string;
  /** `up --out` (install-config.yaml and the next command after `up`). */
  outDir?: string;
}

/** The lab as the console shows it, from the model `up`/`down` worked from. */
export function labReportOf(m: LabModel, run: 'up' | 'down', files: LabReportFiles): LabReport {
  const out = files.outDir ? resolve(files.outDir) : undefined;
  const next =
    run === 'down'
      ? `bmc-emu lab up -c ${resolve(files.config)}`
      : m.lab.mode === 'ipi'
        ? `openshift-baremetal-install --dir ${out} create cluster`
        : `bmc-emu serve -c ${join(out!, 'boot-serve.yaml')}`;
  return {
    name: m.lab.name,
    stateDir: m.lab.stateDir,
    mode: m.lab.mode,
    baseDomain: m.lab.baseDomain,
    libvirtUri: m.lab.libvirt.uris[0]!,
    apiVIPs: m.baremetal.apiVIPs,
    ingressVIPs: m.baremetal.ingressVIPs,
    networks: [
      {
        name: m.baremetal.name,
        purpose: 'baremetal',
        mode: m.baremetal.forward,
        cidrs: m.baremetal.stacks.map((s) => s.network),
      },
      {
        name: m.provisioning.name,
        purpose: 'provisioning',
        mode: m.provisioning.mode,
        cidrs: m.provisioning.mode === 'Disabled' ? [] : [m.provisioning.network],
      },
    ],
    ...(out && run === 'up' ? { installConfig: join(out, 'install-config.yaml') } : {}),
    nextCommand: next,
    nodes: m.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      domain: n.domain,
      uuid: n.uuid,
      bootMac: n.bootMac,
      bmc: { kind: n.bmc.kind, address: n.bmc.address },
    })),
  };
}

export interface LabRunReport {
  /** `inner`, also reporting each event to serve. */
  wrap(inner: Progress): Progress;
  /**
   * The run ended (with `err` when it failed): report that, deliver what is queued, and say where it went.
   * Only the first call counts.
   */
  finish(err?: unknown): Promise<string | undefined>;
}

export function reportLabRun(
  m: LabModel,
  run: 'up' | 'down',
  files: LabReportFiles & { serveStateDir?: string },
  title: (e: ProgressEvent) => string,
): LabRunReport {
  const reporter = new LabReporter({ stateDirs: serveStateDirs(m, files.serveStateDir) });
  const runId = randomBytes(8).toString('hex');
  const name = m.lab.name;
  const runTitle = `lab ${run} ${name}`;
  let total = 0;
  let finished: Promise<string | undefined> | undefined;
  reporter.describe(labReportOf(m, run, files));
  reporter.progress(name, { runId, run, index: 0, total: 0, step: runTitle, state: 'start' });
  return {
    wrap: (inner) => (e) => {
      inner(e);
      total = e.total;
      reporter.progress(name, {
        runId,
        run,
        index: e.index,
        total: e.total,
        step: title(e).slice(0, 1_024),
        state: e.phase,
        ...(e.error ? { error: e.error.slice(0, 4_096) || 'failed' } : {}),
      });
    },
    finish(err) {
      finished ??= end(err);
      return finished;
    },
  };

  async function end(err: unknown): Promise<string | undefined> {
    const error = err === undefined ? undefined : ((err as Error)?.message ?? String(err)).slice(0, 4_096);
    reporter.progress(name, {
      runId,
      run,
      index: 0,
      total,
      step: runTitle,
      state: err === undefined ? 'done' : 'failed',
      ...(error ? { error } : {}),
    });
    const r = await reporter.flush();
    if (r.error) return `serve: progress not reported (${r.error})`;
    if (r.deliveredTo) return `serve: progress reported to the serve of ${r.deliveredTo}`;
    return undefined;
  }
}
