/**
 * Helpers for the DHCP real-peer tests under test/dhcp-*.test.ts: a server namespace with a bridge, client
 * namespaces joined by veth, and DhcpServer started from the built package inside the server namespace
 * (fixtures/dhcp/run-server.mjs). Node cannot enter a namespace itself, hence one process per server.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NetNs } from '../../../test/support/netns.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const RUN_SERVER = `${REPO}fixtures/dhcp/run-server.mjs`;
export const PXE_CLIENT = `${REPO}fixtures/dhcp/pxe-client.mjs`;

let built = false;
/** Tests run the built package inside namespaces: build dhcp (and core) once. */
export function buildDhcp(): void {
  if (built) return;
  // test files run in parallel workers: one tsc at a time writes dist/
  execFileSync('flock', ['/tmp/bmcemu-dhcp-build.lock', 'npx', 'tsc', '-b', 'packages/dhcp'], {
    cwd: REPO,
    stdio: 'ignore',
    timeout: 120_000,
  });
  built = true;
}

export interface ServerProcess {
  proc: ChildProcess;
  ready: string;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** Log messages (`msg`) so far. */
  messages(): string[];
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  counters(): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startDhcp(ns: NetNs, opts: Record<string, unknown>, timeoutMs = 15_000): Promise<ServerProcess> {
  buildDhcp();
  const proc = ns.spawn(process.execPath, [RUN_SERVER, JSON.stringify(opts)], { cwd: REPO });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    err += d;
  });
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('READY')) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`DHCP server did not start (exit ${proc.exitCode}):\n${out}\n${err}`);
    }
    await sleep(50);
  }
  const logs = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    proc,
    ready: out.trim(),
    logs,
    messages: () => logs().map((l) => String(l.msg)),
    async waitForLog(re, ms = 15_000) {
      const until = Date.now() + ms;
      for (;;) {
        const hit = logs()
          .map((l) => String(l.msg))
          .find((m) => re.test(m));
        if (hit) return hit;
        if (Date.now() > until)
          throw new Error(
            `no server log matching ${re}; saw:\n${logs()
              .map((l) => l.msg)
              .join('\n')}`,
          );
        await sleep(100);
      }
    },
    async counters() {
      const before = out.length;
      proc.kill('SIGUSR2');
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const m = /COUNTERS (.*)\n/.exec(out.slice(before));
        if (m) return JSON.parse(m[1]!);
        await sleep(50);
      }
      throw new Error('server did not print counters');
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await Promise.race([exited, sleep(5000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A server namespace with bridge `br` at `cidr`, and a client namespace. */
export function topology(bridge = 'br0', cidr = '172.30.0.1/24') {
  const server = new NetNs('dhs');
  const client = new NetNs('dhc');
  server.addBridge(bridge, cidr);
  let n = 0;
  return {
    server,
    client,
    /** A fresh client interface on the bridge; returns its name in the client namespace. */
    addClientPort(name = `c${n}`, mac?: string): string {
      const inside = `p${n++}${name}`.slice(0, 15);
      server.addVeth(inside, name, client, bridge);
      if (mac) client.exec('ip', 'link', 'set', name, 'address', mac);
      return name;
    },
    destroy() {
      client.destroy();
      server.destroy();
    },
  };
}

/** Run the test-written PXE client in `ns`; returns its JSON result. */
export function pxeClient(ns: NetNs, cfg: Record<string, unknown>): PxeClientResult {
  buildDhcp();
  const out = execFileSync('ip', ['netns', 'exec', ns.name, process.execPath, PXE_CLIENT, JSON.stringify(cfg)], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as PxeClientResult;
}

export interface ShownPacket {
  from: string;
  yiaddr: string;
  siaddr: string;
  sname: string;
  file: string;
  options: Array<{ code: number; hex: string; text: string }>;
}

export interface PxeClientResult {
  xid: number;
  offers: ShownPacket[];
  ack?: ShownPacket;
  proxyAck?: ShownPacket;
}

export function optText(p: ShownPacket | undefined, code: number): string | undefined {
  return p?.options.find((o) => o.code === code)?.text;
}

export function optHex(p: ShownPacket | undefined, code: number): string | undefined {
  return p?.options.find((o) => o.code === code)?.hex;
}

/**
 * Run udhcpc once in namespace `nsName` on `ifc` (-n -q -f, 5 tries 1 s apart) with the test's script, which
 * appends what it was told to `log`. `extra` adds flags such as `['-r', ip]` (ask for an address).
 */
export function udhcpcOnce(nsName: string, ifc: string, script: string, log: string, extra: string[] = []): void {
  execFileSync(
    'ip',
    ['netns', 'exec', nsName, 'udhcpc', '-i', ifc, ...extra, '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', script],
    { env: { ...process.env, LOG: log }, timeout: 20_000, stdio: 'ignore' },
  );
}
