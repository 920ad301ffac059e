// libvirt driver read latency: 100 sequential and 100 concurrent get(node) on the cached LibvirtDriver
// vs. a plain `virsh dominfo` per call (what a per-request tool such as sushy-tools/vbmc pays), measured
// in the same run on a private libvirtd inside a network namespace (same lock as test/support/libvirtd.ts).
import { execFile, execFileSync, spawn } from 'node:child_process';
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
import { promisify } from 'node:util';
import { createLibvirtDriver } from '@bmc-emu/libvirt';

const N = 100;
const URI = 'qemu:///system';
const LOCK = '/tmp/bmc-emu-libvirtd.lock';
const run = promisify(execFile);

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
if (process.getuid?.() !== 0 || !['libvirtd', 'virtlogd', 'virsh', 'qemu-img'].every(have)) {
  console.log('SKIP libvirt bench: needs root, libvirtd, virtlogd, virsh and qemu-img');
  process.exit(0);
}

const virsh = (...args) => execFileSync('virsh', ['-q', '-c', URI, ...args], { encoding: 'utf8', stdio: 'pipe' });
const answers = () => {
  try {
    virsh('list', '--all', '--uuid');
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95) };
}
async function timed(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
async function sequential(fn) {
  const out = [];
  for (let i = 0; i < N; i++) out.push(await timed(fn));
  return out;
}
async function concurrent(fn) {
  const t0 = Date.now();
  const out = await Promise.all(Array.from({ length: N }, () => timed(fn)));
  return { lat: out, wallMs: Date.now() - t0 };
}

await lock();
const ns = `bmcbench${process.pid % 100000}`;
const dir = mkdtempSync(join(tmpdir(), 'bmcemu-bench-lv-'));
chmodSync(dir, 0o755);
const kids = [];
let driver;
let name;
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
  const disk = join(dir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
  name = `bmcemu-t-bench-${process.pid}`;
  const xml = readFileSync(new URL('../fixtures/libvirt/tcg-node.xml', import.meta.url), 'utf8')
    .replace(/<!--[\s\S]*?-->\n/, '')
    .replace('{{NAME}}', name)
    .replace('{{DISK}}', disk)
    .replace('{{MAC}}', '52:54:00:7e:be:01');
  writeFileSync(join(dir, 'd.xml'), xml);
  virsh('define', join(dir, 'd.xml'));
  virsh('start', name);
  const uuid = virsh('domuuid', name).trim();

  driver = await createLibvirtDriver({ uris: [URI], pollIntervalMs: 2_000 });
  await driver.get(uuid); // warm
  const calls0 = driver.virshCalls;
  const cachedSeq = await sequential(() => driver.get(uuid));
  const cachedCon = await concurrent(() => driver.get(uuid));
  const cachedSpawns = driver.virshCalls - calls0;
  const dominfo = () => run('virsh', ['-q', '-c', URI, 'dominfo', uuid]);
  const virshSeq = await sequential(dominfo);
  const virshCon = await concurrent(dominfo);

  const rows = [
    ['100 sequential', stats(cachedSeq), stats(virshSeq)],
    ['100 concurrent', stats(cachedCon.lat), stats(virshCon.lat)],
  ];
  console.log(`libvirt get(node): cached LibvirtDriver vs plain \`virsh dominfo\` per call (ms; ${process.arch})`);
  console.log('case             driver p50  driver p95   virsh p50   virsh p95   ratio p50   ratio p95');
  for (const [label, a, b] of rows) {
    const f = (x) => x.toFixed(3).padStart(10);
    const r = (x, y) => `${(y / Math.max(x, 0.001)).toFixed(0)}x`.padStart(10);
    console.log(
      `${label.padEnd(15)} ${f(a.p50)}  ${f(a.p95)}  ${f(b.p50)}  ${f(b.p95)}  ${r(a.p50, b.p50)}  ${r(a.p95, b.p95)}`,
    );
  }
  console.log(
    `wall time for 100 concurrent: driver ${cachedCon.wallMs} ms, virsh ${virshCon.wallMs} ms; ` +
      `virsh processes spawned by the driver for all ${2 * N} gets: ${cachedSpawns} (virsh path: ${2 * N})`,
  );
} finally {
  await driver?.close();
  if (name) {
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
