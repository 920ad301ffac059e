import { execFileSync } from 'node:child_process';

/** True when `cmd` is on PATH. */
export function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The Authorization header of the default account every bench server runs with. */
export const ADMIN_AUTH = `Basic ${Buffer.from('admin:password').toString('base64')}`;
