import { access, readFile } from 'node:fs/promises';
import {
  buildModel,
  checkInstallConfigText,
  defaultLabYaml,
  formatViolation,
  type Lab,
  type LabInputs,
  LabFileError,
  type LabModel,
  loadLab,
  type Rendered,
  renderLab,
  type SizeOverrides,
  validateRenderedOnline,
  type Violation,
  writeFiles,
} from '@bmc-emu/lab';
import { writeFileAtomic } from '@bmc-emu/core';
import { parseDocument } from 'yaml';
import { ExitCode } from './exit-codes.js';

export interface LabFileFlags {
  config?: string;
  memory?: number;
  disk?: number;
}

export const sizesOf = (f: LabFileFlags): SizeOverrides => ({
  ...(f.memory !== undefined ? { memoryMiB: f.memory } : {}),
  ...(f.disk !== undefined ? { diskGiB: f.disk } : {}),
});

function printViolations(prefix: string, vs: Violation[]): void {
  for (const v of vs) process.stderr.write(`${prefix}${formatViolation(v)}\n`);
}

async function readOptional(path: string | undefined, what: string): Promise<string | undefined> {
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new LabFileError(path, [
      { path: what, value: path, message: (err as Error).message, fix: `point ${what} at a readable file` },
    ]);
  }
}

/** `hosts.<name>.networkConfigFile`, parsed (a YAML syntax error names the key and the line). */
async function readNetworkConfigs(lab: Lab): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, h] of Object.entries(lab.hosts)) {
    const key = `hosts.${name}.networkConfigFile`;
    const text = await readOptional(h.networkConfigFile, key);
    if (text === undefined) continue;
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      throw new LabFileError(h.networkConfigFile!, [
        {
          path: key,
          value: h.networkConfigFile,
          message: `not valid YAML: line ${doc.errors[0]!.linePos?.[0]?.line ?? '?'}: ${doc.errors[0]!.message.split('\n')[0]}`,
          fix: 'fix the NMState file (see `nmstatectl show` on a configured host for the shape)',
        },
      ]);
    }
    out[name] = doc.toJS();
  }
  return out;
}

/** The files lab.yaml points at (pull secret, SSH key, CA, per-host NMState). */
export async function labInputs(lab: Lab): Promise<LabInputs> {
  const [pullSecret, sshKey, caPem, networkConfigs] = await Promise.all([
    readOptional(lab.pullSecretFile, 'pullSecretFile'),
    readOptional(lab.sshKeyFile, 'sshKeyFile'),
    readOptional(lab.bmc.caFile, 'bmc.caFile'),
    readNetworkConfigs(lab),
  ]);
  return {
    ...(pullSecret ? { pullSecret } : {}),
    ...(sshKey ? { sshKey } : {}),
    ...(caPem ? { caPem } : {}),
    ...(Object.keys(networkConfigs).length > 0 ? { networkConfigs } : {}),
  };
}

/** The installer HEADs the OS image URLs; so do we, without hanging on an unreachable host. */
const HEAD = { timeoutMs: 10_000 };

export type Prepared = { ok: true; lab: Lab; model: LabModel; rendered: Rendered } | { ok: false; code: number };

/** Load, model, render and validate; prints the violations and returns the exit code when refused. */
export async function prepareLab(flags: LabFileFlags, opts: { validate?: boolean } = {}): Promise<Prepared> {
  const file = flags.config ?? 'lab.yaml';
  try {
    const lab = await loadLab(file, sizesOf(flags));
    const model = buildModel(lab);
    const rendered = renderLab(model, await labInputs(lab));
    // down and status must work on a lab whose rules broke after `up` (only the names matter to them)
    const violations = opts.validate === false ? [] : await validateRenderedOnline(model, rendered, HEAD);
    if (violations.length > 0) {
      printViolations(`${file}: `, violations);
      process.stderr.write(`bmc-emu: ${violations.length} problem(s) in ${file}; nothing was written\n`);
      return { ok: false, code: ExitCode.Failure };
    }
    return { ok: true, lab, model, rendered };
  } catch (err) {
    if (err instanceof LabFileError) {
      printViolations(`${err.file}: `, err.violations);
      return { ok: false, code: ExitCode.Usage };
    }
    throw err;
  }
}

export async function labInit(flags: {
  out?: string;
  force?: boolean;
  memory?: number;
  disk?: number;
}): Promise<number> {
  const out = flags.out ?? 'lab.yaml';
  if (!flags.force) {
    const exists = await access(out).then(
      () => true,
      () => false,
    );
    if (exists) {
      process.stderr.write(`bmc-emu: ${out} exists; pass --force to overwrite it\n`);
      return ExitCode.Failure;
    }
  }
  await writeFileAtomic(out, defaultLabYaml(sizesOf(flags)));
  process.stdout.write(`wrote ${out} (a compact 3-node IPI lab); next: bmc-emu lab render -c ${out} --out lab-out\n`);
  return ExitCode.Ok;
}

export async function labRender(flags: LabFileFlags & { out?: string }): Promise<number> {
  const p = await prepareLab(flags);
  if (!p.ok) return p.code;
  const dir = flags.out ?? 'lab-out';
  const written = await writeFiles(dir, p.rendered.files);
  for (const f of written) process.stdout.write(`wrote ${f}\n`);
  process.stdout.write(
    `next: bmc-emu lab up -c ${flags.config ?? 'lab.yaml'}  (or review ${dir}/install-config.yaml first)\n`,
  );
  return ExitCode.Ok;
}

/** `lab check FILE`: the installer's rules over any install-config.yaml. */
export async function labCheck(file: string, flags: { bridges?: boolean; offline?: boolean }): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`bmc-emu: ${file}: ${(err as Error).message}\n`);
    return ExitCode.Failure;
  }
  const bridgeExists = flags.bridges ? (await import('./lab-bridges.js')).bridgeLookup() : undefined;
  const vs = await checkInstallConfigText(text, {
    ...(bridgeExists ? { bridgeExists } : {}),
    ...(flags.offline ? {} : { head: HEAD }),
  });
  for (const v of vs) process.stdout.write(`${v.path.startsWith('line ') ? `${file}: ` : ''}${formatViolation(v)}\n`);
  if (vs.length === 0) process.stderr.write(`${file}: passes the installer's platform.baremetal rules\n`);
  return vs.length === 0 ? ExitCode.Ok : ExitCode.Failure;
}
