import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';

export const INSTALLER = 'openshift-baremetal-install';

/** The installer's path on PATH, if any. */
export function findInstaller(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, INSTALLER);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const FORWARDED = ['SIGINT', 'SIGTERM'] as const;

/**
 * `lab up --install`: run `openshift-baremetal-install --dir DIR create cluster` with our stdio (its
 * output appears as it writes it), forward SIGINT/SIGTERM to it (so it can clean up its bootstrap VM),
 * and return its exit code (128 + signal number when a signal ended it).
 */
export async function runInstaller(dir: string, path = process.env.PATH ?? ''): Promise<number> {
  const bin = findInstaller(path);
  if (!bin) {
    process.stderr.write(
      `bmc-emu: ${INSTALLER} is not on PATH; the lab is up, run: ${INSTALLER} --dir ${dir} create cluster\n`,
    );
    return 1;
  }
  const child = spawn(bin, ['--dir', dir, 'create', 'cluster'], { stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => () => {
    child.kill(sig);
  };
  const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  try {
    return await new Promise<number>((resolve) => {
      child.once('error', (err) => {
        process.stderr.write(`bmc-emu: ${INSTALLER}: ${err.message}\n`);
        resolve(1);
      });
      child.once('exit', (code, signal) => {
        resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1));
      });
    });
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
