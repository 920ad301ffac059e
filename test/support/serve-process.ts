/** A real `bmc-emu serve` child on free ports with its own state dir, for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { freePort } from './ironic.js';

const BIN = fileURLToPath(new URL('../../bin/bmc-emu.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  redfishPort: number;
  ipmiBasePort: number;
  output(): string;
  stop(): Promise<void>;
}

/** True when `count` UDP ports from `base` can be bound on loopback right now. */
export async function udpFree(base: number, count: number): Promise<boolean> {
  const sockets = [];
  try {
    for (let p = base; p < base + count; p++) {
      const s = createSocket('udp4');
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, '127.0.0.1', () => resolve());
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    for (const s of sockets) s.close();
  }
}

/** IPMI ports below Linux's ephemeral range, so no client socket elsewhere takes them meanwhile. */
export async function freeUdpRange(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    if (await udpFree(base, count)) return base;
  }
  throw new Error('no free UDP port range for IPMI');
}

export async function startServe(opts: {
  nodes: number;
  stateDir: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /**
   * Run serve on a pseudo-terminal (util-linux `script`; gate the test on it): its stdout is a TTY, and
   * output() is what the terminal was sent. stop() still ends serve itself (script passes SIGTERM on).
   */
  tty?: boolean;
}): Promise<ServeProcess> {
  const redfishPort = await freePort();
  const ipmiBasePort = await freeUdpRange(opts.nodes);
  const argv = [
    BIN,
    'serve',
    '--driver',
    'memory',
    '--demo-nodes',
    String(opts.nodes),
    '--redfish-port',
    String(redfishPort),
    '--ipmi-base-port',
    String(ipmiBasePort),
    '--state-dir',
    opts.stateDir,
    '--log-level',
    'warn',
    ...(opts.extraArgs ?? []),
  ];
  const env = { ...process.env, ...opts.env };
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const child = opts.tty
    ? // stdin stays an open pipe: script ends the session when its input ends
      spawn('script', ['-qfec', `exec ${[process.execPath, ...argv].map(quote).join(' ')}`, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...env, TERM: 'xterm' },
      })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  // serve prints its endpoint lines together once every front end is up
  const deadline = Date.now() + 30_000;
  while (!out.includes('bmc-emu serving') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 50));
  if (child.exitCode !== null || !out.includes('bmc-emu serving')) {
    child.kill('SIGKILL');
    throw new Error(`bmc-emu serve did not start:\n${out}`);
  }
  return {
    child,
    redfishPort,
    ipmiBasePort,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
