// A private libvirtd for benchmarks: started inside a network namespace of its own, behind the same lock file
// as test/support/libvirtd.ts (only one libvirtd may own /var/run/libvirt), and torn down afterwards with every
// domain it was asked to define.
import { execFileSync, spawn } from 'node:child_process';
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
import { have } from './host.mjs';

export const URI = 'qemu:///system';
const LOCK = '/tmp/bmc-emu-libvirtd.lock';
const TEMPLATE = new URL('../../fixtures/libvirt/tcg-node.xml', import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Why a private libvirtd cannot run here, or undefined when it can. */
export function libvirtdMissing() {
  if (process.getuid?.() !== 0) return 'needs root';
  const missing = ['libvirtd', 'virtlogd', 'virsh', 'qemu-img'].filter((c) => !have(c));
  return missing.length ? `needs ${missing.join(', ')}` : undefined;
}

export const virsh = (...args) =>
  execFileSync('virsh', ['-q', '-c', URI, ...args], { encoding: 'utf8', stdio: 'pipe' });

function answers() {
  try {
    virsh('list', '--all', '--uuid');
    return true;
  } catch {
    return false;
  }
}

async function lock() {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch {}
    try {
      const holder = Number(readFileSync(LOCK, 'utf8').trim());
      if (holder) process.kill(holder, 0);
    } catch (err) {
      if (err.code === 'ESRCH') rmSync(LOCK, { force: true });
    }
    if (Date.now() > deadline) throw new Error('libvirtd lock busy for 5 minutes');
    await sleep(250);
  }
}

/**
 * Run `fn({ uri, defineDomain })` against a private libvirtd. `defineDomain(name, mac, { start })` defines a
 * TCG domain from fixtures/libvirt/tcg-node.xml with a 16 MiB disk and returns its UUID.
 */
export async function withPrivateLibvirtd(fn) {
  await lock();
  const ns = `bmcbench${process.pid % 100000}`;
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-bench-lv-'));
  chmodSync(dir, 0o755);
  const kids = [];
  const domains = [];
  try {
    if (answers()) throw new Error('another libvirtd answers on qemu:///system; not benchmarking against it');
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'add', 'br0', 'type', 'bridge']);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'br0', 'up']);
    for (const d of ['virtlogd', 'libvirtd']) kids.push(spawn('ip', ['netns', 'exec', ns, d], { stdio: 'ignore' }));
    const until = Date.now() + 20_000;
    while (!answers()) {
      if (Date.now() > until) throw new Error('libvirtd did not answer in 20 s');
      await sleep(100);
    }
    const template = readFileSync(TEMPLATE, 'utf8').replace(/<!--[\s\S]*?-->\n/, '');
    const defineDomain = (name, mac, { start = false } = {}) => {
      const disk = join(dir, `${name}.qcow2`);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
      const xmlFile = join(dir, `${name}.xml`);
      writeFileSync(xmlFile, template.replace('{{NAME}}', name).replace('{{DISK}}', disk).replace('{{MAC}}', mac));
      virsh('define', xmlFile);
      domains.push(name);
      if (start) virsh('start', name);
      return virsh('domuuid', name).trim();
    };
    return await fn({ uri: URI, defineDomain });
  } finally {
    for (const name of domains) {
      try {
        virsh('destroy', name);
      } catch {}
      try {
        virsh('undefine', '--nvram', name);
      } catch {}
    }
    for (const k of kids) k.kill('SIGTERM');
    await sleep(500);
    try {
      for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) {
        process.kill(Number(pid), 'SIGKILL');
      }
    } catch {}
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    try {
      if (readFileSync(LOCK, 'utf8').trim() === String(process.pid)) unlinkSync(LOCK);
    } catch {}
  }
}
