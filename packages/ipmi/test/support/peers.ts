/** Runs the real Debian IPMI clients against a local port. */
import { execFile } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export type Iface = 'lanplus17' | 'lanplus3' | 'lan';

export function ipmitoolArgs(iface: Iface, port: number, password = 'password', user = 'admin'): string[] {
  const i = iface === 'lan' ? ['-I', 'lan'] : ['-I', 'lanplus', '-C', iface === 'lanplus17' ? '17' : '3'];
  return [
    ...i,
    '-H',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    user,
    '-P',
    password,
    '-L',
    'ADMINISTRATOR',
    '-R',
    '1',
    '-N',
    '2',
  ];
}

export function ipmitool(iface: Iface, port: number, cmd: string, password?: string): Promise<RunResult> {
  return run('ipmitool', [...ipmitoolArgs(iface, port, password), ...cmd.split(' ')]);
}
