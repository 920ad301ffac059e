/**
 * The InsertMedia Task shows the copy of an image to a remote hypervisor, with two real libvirtds (each its
 * own network + mount namespace, qemu+tcp://) and python3-sushy's own TaskMonitor polling the task monitor.
 * The link to the "far" host is slowed (tc tbf on the test's own veth) so the upload lasts seconds: the task
 * is Running with PercentComplete rising through the download (0-50) and the upload (50-99, `Oem.BmcEmu.Phase`
 * "Uploading to <host>"), then Completed at 100. On the "near" host (media read locally) the download alone
 * drives it. Killing the far libvirtd mid-upload ends the task in Exception with the host and libvirt's
 * message; after a restart of that libvirtd the same insert works.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IPXE_ISO } from '../packages/redfish/test/harness.js';
import { configSchema } from '../src/config-schema.js';
import { type RunningServer, startServer } from '../src/serve.js';
import { freePort } from './support/ironic.js';
import { libvirtPeers, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { type LibvirtdHost, type RunningHosts, startLibvirtdHosts } from './support/libvirtd-hosts.js';
import { logCapture } from './support/log-capture.js';
import { command, DEBIAN_PYTHON, fileExists, pythonModule, requirePeers } from './support/peers.js';
import { udpFree } from './support/serve-process.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_insert_task.py', import.meta.url));
const peers = requirePeers('remote virtual media task progress (sushy, tc, ipxe.iso)', [
  pythonModule('sushy'),
  fileExists(IPXE_ISO, 'ipxe'),
  command('tc', 'iproute2'),
]);

const IMAGE_BYTES = 16 * 1024 * 1024;
/** The far host's link while an upload is watched: 16 MiB take about 6 s. */
const SLOW_LINK = '24mbit';

interface Sample {
  state: string | null;
  percent: number | null;
  phase: string | null;
}
interface TaskRun {
  status: number;
  samples: Sample[];
  end?: number;
  end_error?: string;
  task?: { TaskState: string; TaskStatus: string; PercentComplete: number; Messages: Array<{ Message: string }> };
}

/**
 * ISO images (ipxe.iso's bytes, so a CD, padded to 16 MiB): /paced*.iso at ~4 MB/s, /big.iso at once and
 * with other bytes (so a host that holds the paced one's volume still needs its own upload).
 */
async function startImages(): Promise<{ url: string; close(): Promise<void> }> {
  const iso = readFileSync(IPXE_ISO);
  const image = () => Buffer.concat([iso, randomBytes(IMAGE_BYTES - iso.length)]);
  const paced = image();
  const big = image();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = path === '/big.iso' ? big : /^\/paced\d*\.iso$/.test(path) ? paced : undefined;
    if (!body) {
      res.writeHead(404).end('no such image');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (body === big) {
      res.end(body);
      return;
    }
    let at = 0;
    const step = 64 * 1024;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      res.write(body.subarray(at, at + step));
      at += step;
      if (at >= body.length) {
        clearInterval(timer);
        res.end();
      }
    }, 16);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The root end of the host's veth (the peer of its hv0): what carries traffic to that host. */
function rootVeth(host: LibvirtdHost): string {
  const idx = /hv0@if(\d+)/.exec(host.netns.exec('ip', '-o', 'link', 'show', 'hv0'))?.[1];
  const line = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.startsWith(`${idx}: `));
  const name = line && /^\d+: ([^@:]+)/.exec(line)?.[1];
  if (!name) throw new Error(`no root-side veth for ${host.ip}`);
  return name;
}

const slow = (dev: string) =>
  execFileSync('tc', [
    'qdisc',
    'replace',
    'dev',
    dev,
    'root',
    'tbf',
    'rate',
    SLOW_LINK,
    'burst',
    '32kb',
    'latency',
    '400ms',
  ]);
const fast = (dev: string) => {
  try {
    execFileSync('tc', ['qdisc', 'del', 'dev', dev, 'root'], { stdio: 'ignore' });
  } catch {}
};

libvirtPeers.describe('InsertMedia task progress on a remote libvirt host', () =>
  peers.describe('sushy TaskMonitor, two real libvirtds', () => {
    let hosts: RunningHosts | undefined;
    let server: RunningServer | undefined;
    let images: { url: string; close(): Promise<void> } | undefined;
    const capture = logCapture('info');
    let dir = '';
    let base = '';
    let veth = '';
    const far: { name: string; uuid: string }[] = [];
    let near: { name: string; uuid: string } | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bmcemu-rmtask-'));
      hosts = await startLibvirtdHosts([{}, {}]);
      near = hosts[0]!.defineDomain('rt-near');
      far.push(hosts[1]!.defineDomain('rt-far1'), hosts[1]!.defineDomain('rt-far2'));
      veth = rootVeth(hosts[1]!);
      images = await startImages();
      const redfishPort = await freePort();
      let ipmiBase = 23000 + (process.pid % 400) * 10;
      while (!(await udpFree(ipmiBase, 3))) ipmiBase += 10;
      const config = configSchema.parse({
        stateDir: join(dir, 'state'),
        log: { level: 'info' },
        redfish: { tls: false, port: redfishPort, insertWaitMs: 300 },
        ipmi: { basePort: ipmiBase },
        driver: {
          kind: 'libvirt',
          pollIntervalMs: 1000,
          hypervisors: [
            { name: 'near', uri: hosts[0]!.tcpUri, media: { upload: 'never' } },
            { name: 'far', uri: hosts[1]!.tcpUri },
          ],
        },
      });
      server = await startServer(config, capture.logger);
      base = `http://127.0.0.1:${redfishPort}`;
    }, LIBVIRTD_SETUP_MS); // may wait for the machine-wide libvirtd lock

    afterAll(async () => {
      if (veth) fast(veth);
      await server?.stop();
      await images?.close();
      await hosts?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    /** sushy: InsertMedia on the node's CD, then its TaskMonitor until the task ends. */
    const insertWatched = (uuid: string, image: string): Promise<TaskRun> => {
      const env = { ...process.env };
      delete env.REQUESTS_CA_BUNDLE;
      delete env.CURL_CA_BUNDLE;
      return new Promise((resolve, reject) =>
        execFile(
          DEBIAN_PYTHON,
          [SCRIPT, `${base}/redfish/v1`, 'admin', 'password', uuid, image],
          { timeout: 240_000, env },
          (err, out, errOut) =>
            err
              ? reject(new Error(`sushy insert: ${errOut || err.message}`))
              : resolve(JSON.parse(out.trim().split('\n').pop()!) as TaskRun),
        ),
      );
    };
    const running = (r: TaskRun) => r.samples.filter((s) => s.state === 'TaskState.RUNNING');
    const percents = (r: TaskRun) => running(r).map((s) => s.percent!);
    const ejectAll = async (uuid: string) => {
      const res = await fetch(`${base}/redfish/v1/Managers/${uuid}/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: '{}',
      });
      expect([200, 204]).toContain(res.status);
    };
    const uploadsStarted = () =>
      capture.lines.filter((l) => l.msg === 'media: uploading an image to the hypervisor').length;

    it('far host: Running, PercentComplete rising through the download (0-50) and the upload (50-99), then Completed', async () => {
      slow(veth);
      try {
        const r = await insertWatched(far[0]!.uuid, `${images!.url}/paced.iso`);
        console.log(`remote media task: ${JSON.stringify(running(r).map((s) => `${s.percent}% ${s.phase}`))}`);
        expect(r.status).toBe(202);
        expect(r.end).toBe(204);
        const ps = percents(r);
        expect(ps).toEqual([...ps].sort((a, b) => a - b));
        const downloading = running(r).filter((s) => s.phase === 'Downloading' && s.percent! > 0 && s.percent! < 50);
        expect(downloading.length, JSON.stringify(r.samples)).toBeGreaterThan(0);
        const uploading = running(r).filter((s) => s.phase === `Uploading to ${hosts![1]!.ip}`);
        const between = new Set(uploading.map((s) => s.percent!).filter((p) => p > 50 && p < 100));
        expect(between.size, JSON.stringify(r.samples)).toBeGreaterThanOrEqual(2);
        expect(r.task).toMatchObject({ TaskState: 'Completed', TaskStatus: 'OK', PercentComplete: 100 });
        expect(JSON.stringify(r.task)).not.toContain('BmcEmu');
      } finally {
        fast(veth);
      }
      const vm = await fetch(`${base}/redfish/v1/Managers/${far[0]!.uuid}/VirtualMedia/Cd`, {
        headers: { Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` },
      });
      expect(await vm.json()).toMatchObject({ Inserted: true, Image: `${images!.url}/paced.iso` });
      expect(hosts![1]!.virsh('dumpxml', '--inactive', far[0]!.name)).toMatch(
        /bmc-emu-media\/bmcemu-[0-9a-f]{64}\.img/,
      );
    }, 240_000);

    it('near host (media read locally): the download alone takes PercentComplete past 50, no upload phase', async () => {
      const before = uploadsStarted();
      const r = await insertWatched(near!.uuid, `${images!.url}/paced2.iso`);
      expect(r.status).toBe(202);
      expect(r.end).toBe(204);
      const ps = percents(r);
      expect(ps).toEqual([...ps].sort((a, b) => a - b));
      expect(
        ps.some((p) => p > 50 && p < 100),
        JSON.stringify(r.samples),
      ).toBe(true);
      expect(running(r).every((s) => s.phase === 'Downloading' || s.phase === 'Attaching')).toBe(true);
      expect(r.task).toMatchObject({ TaskState: 'Completed', PercentComplete: 100 });
      expect(uploadsStarted()).toBe(before);
      await ejectAll(near!.uuid);
    }, 240_000);

    it('the far libvirtd killed mid-upload: Exception with the message; after its restart the insert works', async () => {
      const host = hosts![1]!;
      const before = uploadsStarted();
      slow(veth);
      let r: TaskRun;
      try {
        const watching = insertWatched(far[1]!.uuid, `${images!.url}/big.iso`);
        const deadline = Date.now() + 60_000;
        while (uploadsStarted() === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
        expect(uploadsStarted()).toBe(before + 1);
        await new Promise((res) => setTimeout(res, 1500)); // well into the upload
        await host.kill();
        r = await watching;
      } finally {
        fast(veth);
      }
      expect(r.status).toBe(202);
      expect(r.end).toBeGreaterThanOrEqual(400);
      expect(r.end_error).toBeTruthy();
      expect(r.task).toMatchObject({ TaskState: 'Exception', TaskStatus: 'Critical' });
      expect(r.task!.PercentComplete).toBeLessThan(100);
      const said = r.task!.Messages.map((m) => m.Message).join('\n');
      console.log(`remote media task, libvirtd killed: ${said}`);
      expect(said).toMatch(/far|10\.253\./);
      expect(said).toMatch(/libvirt|virsh|connection|End of file|vol-upload/i);
      expect(Math.max(...percents(r))).toBeGreaterThanOrEqual(50);
      await host.restart();
      // the hypervisor re-joins by itself; then the same insert succeeds (uploaded anew)
      const until = Date.now() + 60_000;
      let ok: TaskRun | undefined;
      while (Date.now() < until) {
        try {
          const again = await insertWatched(far[1]!.uuid, `${images!.url}/big.iso`);
          if (again.status === 204 || again.end === 204) {
            ok = again;
            break;
          }
        } catch {}
        await new Promise((res) => setTimeout(res, 1000));
      }
      expect(ok, 'an insert after the restart').toBeDefined();
      expect(host.virsh('dumpxml', '--inactive', far[1]!.name)).toMatch(/bmc-emu-media\/bmcemu-[0-9a-f]{64}\.img/);
    }, 240_000);
  }),
);
