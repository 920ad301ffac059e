import { execa } from 'execa';

/** True when `virsh` exists and the URI answers within `timeoutMs` (used by `--driver auto`). */
export async function probeLibvirt(uri: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const r = await execa('virsh', ['-q', '-c', uri, 'list', '--all', '--uuid'], {
      reject: false,
      timeout: timeoutMs,
      forceKillAfterDelay: 500,
      env: { LC_ALL: 'C' },
    });
    return r.exitCode === 0 && !r.timedOut;
  } catch {
    return false;
  }
}
