/**
 * A private libvirtd (plus virtlogd) inside a test-made network namespace with a bridge br0.
 * Only one libvirtd may own /run/libvirt on the machine, so users serialize on a cross-process lock
 * file (O_EXCL + pid, stale locks of dead pids are taken over). Everything is stopped by pid.
 *
 *   const lv = await startLibvirtd();   // { uri, netns, bridge, stop(), kill(), restart() }
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { NetNs } from './netns.js';

export const LIBVIRTD_LOCK = '/tmp/bmc-emu-libvirtd.lock';
export const TEST_DOMAIN_PREFIX = 'bmcemu-t-';
const URI = 'qemu:///system';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder = 0;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return false;
  }
  if (holder && !alive(holder)) {
    try {
      unlinkSync(path);
    } catch {}
  }
  return false;
}

/** Take the machine-wide libvirtd lock, waiting up to `timeoutMs` for another user to finish. */
export async function lockLibvirtd(timeoutMs = 600_000, path = LIBVIRTD_LOCK): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(path)) {
    if (Date.now() > deadline) throw new Error(`libvirtd lock ${path} still held after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {}
  };
}

export function virsh(...args: string[]): string {
  return execFileSync('virsh', ['-q', '-c', URI, ...args], { encoding: 'utf8', timeout: 20_000 });
}

function answers(): boolean {
  try {
    virsh('list', '--all', '--uuid');
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Libvirtd {
  uri: string;
  netns: NetNs;
  bridge: string;
  /** pid of the running libvirtd (changes on restart). */
  readonly pid: number;
  /** Remove test domains, stop libvirtd and virtlogd, delete the namespace, release the lock. */
  stop(): Promise<void>;
  /** SIGKILL libvirtd (a crash); guests keep running. */
  kill(): Promise<void>;
  /** Start libvirtd again and wait until it answers. */
  restart(): Promise<void>;
}

/** Start a private libvirtd in a fresh namespace (after taking the lock). */
export async function startLibvirtd(): Promise<Libvirtd> {
  const release = await lockLibvirtd();
  let ns: NetNs | undefined;
  try {
    if (answers()) {
      throw new Error('a libvirtd not started by this helper answers on qemu:///system; stop it first');
    }
    ns = new NetNs('bmclv');
    ns.addBridge('br0', '172.31.77.1/24');
    const netns = ns;
    const virtlogd: ChildProcess = netns.spawn('virtlogd', [], { stdio: 'ignore' });
    let daemon: ChildProcess = netns.spawn('libvirtd', [], { stdio: 'ignore' });
    await waitFor(answers, 20_000, 'libvirtd to answer');

    const lv: Libvirtd = {
      uri: URI,
      netns,
      bridge: 'br0',
      get pid() {
        return daemon.pid ?? 0;
      },
      async kill() {
        const exited = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGKILL');
        await exited;
      },
      async restart() {
        daemon = netns.spawn('libvirtd', [], { stdio: 'ignore' });
        await waitFor(answers, 20_000, 'libvirtd to answer again');
      },
      async stop() {
        try {
          if (daemon.exitCode === null && answers()) removeTestDomains();
        } finally {
          for (const p of [daemon, virtlogd]) {
            if (p.exitCode === null && p.signalCode === null) {
              const exited = new Promise((r) => p.once('exit', r));
              p.kill('SIGTERM');
              await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
            }
          }
          netns.destroy();
          release();
        }
      },
    };
    return lv;
  } catch (err) {
    ns?.destroy();
    release();
    throw err;
  }
}

/** Destroy and undefine every domain whose name starts with TEST_DOMAIN_PREFIX (with its NVRAM). */
export function removeTestDomains(): void {
  const names = virsh('list', '--all', '--name')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(TEST_DOMAIN_PREFIX));
  for (const n of names) {
    try {
      virsh('destroy', n);
    } catch {}
    try {
      virsh('undefine', '--nvram', n);
    } catch {}
  }
}
