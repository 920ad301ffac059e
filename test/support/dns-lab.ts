/**
 * Helpers for the DNS real-peer tests: `bmc-emu serve` and dnsmasq inside test-made namespaces, and dig
 * output read into comparable answers.
 */
import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NetNs } from './netns.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const execFileP = promisify(execFile);

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

let built = false;
/** The CLI runs from dist: build once per test file (a lone `vitest run` must not see a stale dist); the
 * DHCP harness's lock, so two builds never write one dist at once. */
export function buildAll(): void {
  if (built) return;
  try {
    execFileSync('flock', ['/tmp/bmcemu-dhcp-build.lock', 'npx', 'tsc', '-b'], {
      cwd: REPO,
      stdio: 'ignore',
      timeout: 240_000,
    });
  } catch {
    // another package failing to build is not this test's business; a stale CLI shows up below
  }
  built = true;
}

export interface Running {
  proc: ChildProcess;
  output(): string;
  waitFor(re: RegExp, ms?: number): Promise<string>;
}

function track(proc: ChildProcess, what: string): Running {
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  return {
    proc,
    output: () => out,
    async waitFor(re, ms = 20_000) {
      const until = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m) return m[0];
        if (Date.now() > until || proc.exitCode !== null) throw new Error(`${what} never printed ${re}:\n${out}`);
        await sleep(100);
      }
    },
  };
}

/** `bmc-emu serve -c <dir>/config.yaml` inside `ns`; resolves once it printed a `dns udp+tcp` line. */
export async function serveInNs(ns: NetNs, dir: string, yaml: string): Promise<Running> {
  buildAll();
  writeFileSync(join(dir, 'config.yaml'), yaml);
  const r = track(
    ns.spawn(process.execPath, [join(REPO, 'bin/bmc-emu.js'), 'serve', '-c', join(dir, 'config.yaml')], { cwd: REPO }),
    'bmc-emu serve',
  );
  await r.waitFor(/dns udp\+tcp \S+/);
  return r;
}

/** dnsmasq in the foreground inside `ns`, no config file, no /etc/hosts, no resolv.conf, logging queries. */
export async function dnsmasqInNs(ns: NetNs, listen: string, args: string[]): Promise<Running> {
  const r = track(
    ns.spawn('dnsmasq', [
      '-k',
      '-C',
      '/dev/null',
      '--pid-file=',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--listen-address=${listen}`,
      '--log-queries',
      '--log-facility=-',
      ...args,
    ]),
    'dnsmasq',
  );
  await r.waitFor(/started, version/);
  // its sockets are bound once it logs; give the TCP listener a moment too
  await sleep(200);
  return r;
}

export async function inNs(ns: NetNs, cmd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP('ip', ['netns', 'exec', ns.name, cmd, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return stdout;
}

export interface DigAnswer {
  status: string;
  flags: string[];
  /** "name TYPE data", lower case, sorted; TTL and class left out. */
  answers: string[];
}

/** One dig in `ns`, read into status, header flags and the answer section. */
export async function digIn(ns: NetNs, server: string, args: string[]): Promise<DigAnswer> {
  const out = await inNs(ns, 'dig', [
    `@${server}`,
    '+time=3',
    // a reply lost or late under CI load is asked again (a read-only query; the tests that expect no answer call dig directly)
    '+tries=3',
    '+noall',
    '+comments',
    '+answer',
    '+nottlid',
    '+nocl',
    ...args,
  ]);
  const status = /status: (\S+),/.exec(out)?.[1] ?? 'NO ANSWER';
  const flags = (/;; flags: ([^;]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const answers = out
    .split('\n')
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).join(' ').toLowerCase())
    .sort();
  return { status, flags, answers };
}

/** /etc/netns/<ns>/resolv.conf, which `ip netns exec` bind-mounts over /etc/resolv.conf; removed by the returned function. */
export function resolvConfFor(ns: NetNs, body: string): () => void {
  const dir = `/etc/netns/${ns.name}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'resolv.conf'), body);
  return () => rmSync(dir, { recursive: true, force: true });
}
