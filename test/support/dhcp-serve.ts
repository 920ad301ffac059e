/**
 * `bmc-emu serve -c config.yaml` as a child inside a test-made namespace, for the DHCP real-peer tests: a temp
 * dir holding the config (and, when asked, a udhcpc script), the CLI built, the process's output collected,
 * and start-up awaited until every `ready` pattern has been printed.
 */
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sleep } from '../../packages/dhcp/test/netns-harness.js';
import { buildAll } from './dns-lab.js';
import type { NetNs } from './netns.js';

/** Config lines for a serve that runs DHCP and nothing else worth a port (after the stateDir line). */
export const DHCP_ONLY =
  'driver: { kind: memory, demoNodes: 0 }\nredfish: { enabled: false }\nipmi: { enabled: false }\n';

/** The head of a `dhcp:` section serving br0 = 172.30.0.1/24 (topology()'s bridge) from .100 to .120. */
export const BR0_DHCP =
  'dhcp:\n  enabled: true\n  interface: br0\n  subnet: 172.30.0.0/24\n  rangeStart: 172.30.0.100\n  rangeEnd: 172.30.0.120\n';

/** A udhcpc script that logs each lease's address and hostname to $LOG. */
export const UDHCPC_BOUND_SCRIPT =
  '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip hostname=$hostname" >> "$LOG"\nexit 0\n';

export interface ServeInNs {
  /** The temp dir: config.yaml, udhcpc.sh and whatever the test writes there; `${dir}/state` by convention. */
  dir: string;
  /** `${dir}/udhcpc.sh` (written when `udhcpcScript` was given). */
  script: string;
  proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Wait until a line of output matches; returns it. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Removes the temp dir; the process dies with its namespace (destroy it first). */
  cleanup(): Promise<void>;
}

export async function serveInNs(
  ns: NetNs,
  opts: {
    /** mkdtemp prefix, e.g. "bmcemu-dhcp-serve-". */
    prefix: string;
    /** The config file after its first line, `stateDir: <dir>/state`. */
    config: string;
    udhcpcScript?: string;
    /** Start-up is done when every pattern has matched the output. */
    ready: RegExp[];
    timeoutMs?: number;
  },
): Promise<ServeInNs> {
  const dir = await mkdtemp(join(tmpdir(), opts.prefix));
  const script = join(dir, 'udhcpc.sh');
  await writeFile(join(dir, 'config.yaml'), `stateDir: ${dir}/state\n${opts.config}`);
  if (opts.udhcpcScript !== undefined) {
    await writeFile(script, opts.udhcpcScript);
    await chmod(script, 0o755);
  }
  // the CLI runs from dist; `npm test` builds first, this keeps a lone run honest
  buildAll();
  const proc = ns.spawn(process.execPath, [join(REPO, 'bin/bmc-emu.js'), 'serve', '-c', join(dir, 'config.yaml')], {
    cwd: REPO,
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const until = Date.now() + (opts.timeoutMs ?? 20_000);
  while (!opts.ready.every((re) => re.test(out))) {
    if (Date.now() > until || proc.exitCode !== null) throw new Error(`bmc-emu serve did not start:\n${out}`);
    await sleep(100);
  }
  return {
    dir,
    script,
    proc,
    output: () => out,
    async waitForLine(re, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = out.split('\n').find((l) => re.test(l));
        if (hit !== undefined) return hit;
        if (Date.now() > deadline) throw new Error(`no output line matching ${re}:\n${out}`);
        await sleep(100);
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
