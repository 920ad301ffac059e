/**
 * A private libvirtd (plus virtlogd) inside a test-made network namespace with a bridge br0.
 * Only one libvirtd may own /run/libvirt on the machine, so users serialize on a cross-process lock
 * file (O_EXCL + pid, stale locks of dead pids are taken over). Everything is stopped by pid.
 *
 *   const lv = await startLibvirtd();   // { uri, netns, bridge, stop(), kill(), restart() }
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetNs } from './netns.js';
import { command, fileExists, requirePeers, root } from './peers.js';

/** Gate for every test that needs the private libvirtd and TCG guests. */
export const libvirtPeers = requirePeers('libvirt (libvirtd in a netns, TCG guests)', [
  root(),
  command('libvirtd', 'libvirt-daemon-system'),
  command('virtlogd', 'libvirt-daemon-system'),
  command('virsh', 'libvirt-clients'),
  command('qemu-system-x86_64', 'qemu-system-x86'),
  command('qemu-img', 'qemu-utils'),
  fileExists('/usr/share/OVMF/OVMF_CODE_4M.ms.fd', 'ovmf'),
  fileExists('/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json', 'ovmf'),
]);

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
  let holder: number;
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

/**
 * How long a test file waits for the machine-wide lock: vitest runs two files at once, so this must cover the
 * longest libvirt test file another worker may be running (lab-libvirt holds it for ~4 min on a busy machine).
 */
export const LIBVIRTD_LOCK_WAIT_MS = 900_000;
/** The timeout of a hook that starts a libvirtd: the lock wait plus the start itself. */
export const LIBVIRTD_SETUP_MS = LIBVIRTD_LOCK_WAIT_MS + 300_000;

/** Take the machine-wide libvirtd lock, waiting up to `timeoutMs` for another user to finish. */
export async function lockLibvirtd(timeoutMs = LIBVIRTD_LOCK_WAIT_MS, path = LIBVIRTD_LOCK): Promise<() => void> {
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
  return execFileSync('virsh', ['-q', '-c', URI, ...args], { encoding: 'utf8', timeout: 20_000, stdio: 'pipe' });
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

export interface TestDomain {
  name: string;
  uuid: string;
  /** A small readable file to insert as an ISO. */
  isoPath: string;
  dir: string;
  remove(): void;
}

let domainSeq = 0;

/**
 * Define (not start) a TCG domain from fixtures/libvirt/tcg-node.xml: SeaBIOS with serial output,
 * q35, a 16 MiB qcow2 disk, an empty sata cdrom, a NIC on br0. Files live in a world-traversable
 * temp dir because QEMU runs as libvirt-qemu.
 */
export function defineTestDomain(label: string): TestDomain {
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-lv-'));
  chmodSync(dir, 0o755);
  const disk = join(dir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
  const isoPath = join(dir, 'media.iso');
  writeFileSync(isoPath, Buffer.alloc(256 * 1024, 0x42));
  const name = `${TEST_DOMAIN_PREFIX}${label}-${process.pid % 10000}-${domainSeq++}`;
  const n = (process.pid + domainSeq) % 256;
  const mac = `52:54:00:7e:${n.toString(16).padStart(2, '0')}:${(domainSeq % 256).toString(16).padStart(2, '0')}`;
  const template = readFileSync(new URL('../../fixtures/libvirt/tcg-node.xml', import.meta.url), 'utf8');
  const xml = template
    .replace(/<!--[\s\S]*?-->\n/, '')
    .replace('{{NAME}}', name)
    .replace('{{DISK}}', disk)
    .replace('{{MAC}}', mac);
  const xmlPath = join(dir, 'domain.xml');
  writeFileSync(xmlPath, xml);
  virsh('define', xmlPath);
  const uuid = virsh('domuuid', name).trim();
  return {
    name,
    uuid,
    isoPath,
    dir,
    remove() {
      try {
        virsh('destroy', name);
      } catch {}
      try {
        virsh('undefine', '--nvram', name);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
