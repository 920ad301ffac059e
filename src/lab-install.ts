import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
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

/** `lab up --install`: run `openshift-baremetal-install --dir DIR create cluster`, its output streamed. */
export async function runInstaller(dir: string): Promise<number> {
  const bin = findInstaller();
  if (!bin) {
    process.stderr.write(
      `bmc-emu: ${INSTALLER} is not on PATH; the lab is up, run: ${INSTALLER} --dir ${dir} create cluster\n`,
    );
    return 1;
  }
  return new Promise((resolve) => {
    const child = spawn(bin, ['--dir', dir, 'create', 'cluster'], { stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
