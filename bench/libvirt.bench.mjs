// libvirt driver read latency: 100 sequential and 100 concurrent get(node) on the cached LibvirtDriver
// vs. a plain `virsh dominfo` per call (what a per-request tool such as sushy-tools/vbmc pays), measured
// in the same run on a private libvirtd inside a network namespace (same lock as test/support/libvirtd.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createLibvirtDriver } from '@bmc-emu/libvirt';
import { libvirtdMissing, withPrivateLibvirtd } from './support/libvirtd.mjs';

const N = 100;
const run = promisify(execFile);

const missing = libvirtdMissing();
if (missing) {
  console.log(`SKIP libvirt bench: ${missing}`);
  process.exit(0);
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

await withPrivateLibvirtd(async ({ uri, defineDomain }) => {
  const uuid = defineDomain(`bmcemu-t-bench-${process.pid}`, '52:54:00:7e:be:01', { start: true });
  const driver = await createLibvirtDriver({ uris: [uri], pollIntervalMs: 2_000 });
  try {
    await driver.get(uuid); // warm
    const calls0 = driver.virshCalls;
    const cachedSeq = await sequential(() => driver.get(uuid));
    const cachedCon = await concurrent(() => driver.get(uuid));
    const cachedSpawns = driver.virshCalls - calls0;
    const dominfo = () => run('virsh', ['-q', '-c', uri, 'dominfo', uuid]);
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
    await driver.close();
  }
});
