import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Lab, labSchema } from './schema.js';
import type { Violation } from './validate/violation.js';

/** Size flags that shrink every role (`--memory 256 --disk 1` make the default lab fit a small host). */
export interface SizeOverrides {
  memoryMiB?: number;
  diskGiB?: number;
}

export class LabFileError extends Error {
  constructor(
    readonly file: string,
    readonly violations: Violation[],
  ) {
    super(`${file}: ${violations.length} problem(s)`);
    this.name = 'LabFileError';
  }
}

function issuesToViolations(issues: z.core.$ZodIssue[], input: unknown): Violation[] {
  return issues.map((i) => {
    const path = i.path.map(String).join('.') || '(document)';
    let value: unknown = input;
    for (const k of i.path)
      value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[k] : undefined;
    const unknownKeys = i.code === 'unrecognized_keys' ? i.keys : undefined;
    return {
      path: unknownKeys ? [path === '(document)' ? '' : path, unknownKeys[0]].filter(Boolean).join('.') : path,
      value: unknownKeys ? unknownKeys.join(', ') : value,
      message: i.message,
      fix: unknownKeys ? 'remove or rename the key (see docs/lab.md for every key)' : 'see docs/lab.md for this key',
    };
  });
}

/** Parse lab.yaml text: YAML errors and schema errors both become violations naming the key. */
export function parseLab(text: string, file = 'lab.yaml', sizes: SizeOverrides = {}): Lab {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new LabFileError(
      file,
      doc.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? '?'}`,
        value: undefined,
        message: e.message.split('\n')[0]!,
        fix: 'fix the YAML syntax',
      })),
    );
  }
  const raw: unknown = doc.contents === null ? {} : doc.toJS();
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new LabFileError(file, [
      {
        path: '(document)',
        value: raw,
        message: 'not a mapping',
        fix: 'lab.yaml is a mapping; start from `bmc-emu lab init`',
      },
    ]);
  }
  const input = applySizes(raw as Record<string, unknown>, sizes);
  const r = labSchema.safeParse(input);
  if (!r.success) throw new LabFileError(file, issuesToViolations(r.error.issues, input));
  return r.data;
}

function applySizes(raw: Record<string, unknown>, sizes: SizeOverrides): Record<string, unknown> {
  if (sizes.memoryMiB === undefined && sizes.diskGiB === undefined) return raw;
  const out: Record<string, unknown> = { ...raw };
  for (const role of ['controlPlane', 'arbiter', 'workers', 'extra']) {
    const r = { ...((out[role] as Record<string, unknown> | undefined) ?? {}) };
    if (sizes.memoryMiB !== undefined) r.memoryMiB = sizes.memoryMiB;
    if (sizes.diskGiB !== undefined) {
      const n = Array.isArray(r.disksGiB) ? r.disksGiB.length : 1;
      r.disksGiB = new Array<number>(n).fill(sizes.diskGiB);
    }
    out[role] = r;
  }
  return out;
}

/** Read lab.yaml; relative paths in it are relative to the file's directory. */
export async function loadLab(file: string, sizes: SizeOverrides = {}): Promise<Lab> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LabFileError(file, [
      { path: '(file)', value: file, message: (err as Error).message, fix: 'create it with `bmc-emu lab init`' },
    ]);
  }
  return resolvePaths(parseLab(text, file, sizes), dirname(resolve(file)));
}

export function resolvePaths(lab: Lab, base: string): Lab {
  const abs = (p: string | undefined) => {
    if (p === undefined) return undefined;
    if (p.startsWith('~/')) return join(homedir(), p.slice(2));
    return isAbsolute(p) ? p : resolve(base, p);
  };
  return {
    ...lab,
    stateDir: abs(lab.stateDir)!,
    pullSecretFile: abs(lab.pullSecretFile),
    sshKeyFile: abs(lab.sshKeyFile),
    bmc: { ...lab.bmc, caFile: abs(lab.bmc.caFile), serveStateDir: abs(lab.bmc.serveStateDir)! },
    hosts: Object.fromEntries(
      Object.entries(lab.hosts).map(([name, h]) => [
        name,
        h.networkConfigFile ? { ...h, networkConfigFile: abs(h.networkConfigFile) } : h,
      ]),
    ),
  };
}
