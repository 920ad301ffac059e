/**
 * Our DHCP + TFTP + boot HTTP (fixtures/ipxe/run-pxe-stack.mjs) started inside a test's namespace. The servers
 * log JSON lines on stderr, which `logs()` parses for assertions.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetNs } from './netns.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface PxeStack {
  proc: ChildProcess;
  /** Everything the servers wrote to stderr so far. */
  stderr(): string;
  /** The JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  stop(): void;
}

export async function startPxeStack(ns: NetNs, cfg: unknown, timeoutMs = 20_000): Promise<PxeStack> {
  const proc = ns.spawn(process.execPath, [join(REPO, 'fixtures/ipxe/run-pxe-stack.mjs'), JSON.stringify(cfg)], {
    cwd: REPO,
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    err += d;
  });
  const until = Date.now() + timeoutMs;
  while (!out.includes('READY')) {
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`PXE stack did not start: ${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    stderr: () => err,
    logs: () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: () => {
      proc.kill('SIGTERM');
    },
  };
}
