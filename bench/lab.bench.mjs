// `lab up` for 3 control-plane + 2 workers (TCG, 256 MiB, 1 GiB disks) on a private libvirtd: cold, re-run
// (nothing to change) and `lab down`, as wall time and libvirt calls (virsh processes). The lab downloads
// no images, so these figures are the whole lab; dev-scripts takes about an hour for the same, mostly images.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, labDown, labUp, parseLab, renderLab, resolvePaths } from '@bmc-emu/lab';
import { libvirtdMissing, URI, virsh, withPrivateLibvirtd } from './support/libvirtd.mjs';

const missing = libvirtdMissing();
if (missing) {
  console.log(`SKIP lab bench: ${missing}`);
  process.exit(0);
}

const GOALS = { cold: 30_000, rerun: 3_000, down: 10_000 };

await withPrivateLibvirtd(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-bench-lab-'));
  try {
    const text = JSON.stringify({
      // JSON is YAML
      name: `bmcemu-b${process.pid % 1000}`,
      libvirt: { uris: [URI], pool: { path: join(dir, 'pool') }, domainType: 'qemu' },
      bmc: { host: '127.0.0.1' },
      controlPlane: { count: 3, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
      workers: { count: 2, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
      networks: { baremetal: { forward: 'isolated' } },
    });
    writeFileSync(join(dir, 'lab.yaml'), text);
    const model = buildModel(resolvePaths(parseLab(text), dir));
    const rendered = renderLab(model);
    const timed = async (fn) => {
      const t = Date.now();
      const r = await fn();
      return { ms: Date.now() - t, r };
    };
    const cold = await timed(() => labUp({ model, rendered, outDir: join(dir, 'out') }));
    const rerun = await timed(() => labUp({ model, rendered, outDir: join(dir, 'out') }));
    const domains = virsh('list', '--all', '--name')
      .split('\n')
      .filter((l) => l.trim()).length;
    const down = await timed(() => labDown({ model, rendered }));
    const row = (what, t, goal, extra) =>
      console.log(
        `${what.padEnd(8)} ${String(t.ms).padStart(6)} ms  ${String(t.r.calls).padStart(4)} libvirt calls  goal < ${goal} ms ${t.ms < goal ? 'met' : 'MISSED'}${extra}`,
      );
    console.log('lab of 3 control-plane + 2 workers, TCG, 256 MiB, 1 GiB thin disks, no images (the lab needs none)');
    row('cold up', cold, GOALS.cold, `  (${cold.r.steps.length} changes, ${domains} domains defined)`);
    row('re-run', rerun, GOALS.rerun, `  (${rerun.r.steps.length} changes)`);
    row('down', down, GOALS.down, `  (${down.r.steps.length} removals)`);
    console.log('(+1 virsh per command for the reachability probe, not counted above)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
