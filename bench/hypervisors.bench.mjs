// Several hypervisors vs one: Redfish GET /redfish/v1/Systems/<id> p50/p95 (sequential and 8 concurrent, new
// connection per request, plain HTTP) and ipmitool `chassis power status` p50/p95 with 2 hosts x 100 domains
// vs 1 host x 200, then the server's RSS with 2 x 500 vs 1 x 1000. Bulk domains live on libvirt's test:///
// driver (a domain file per host); one real host is in every run: a private libvirtd in a namespace (same
// lock as the tests) with one TCG domain. `bmc-emu serve` (startServer) runs in a child process.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkServer, serveParent } from './support/child-server.mjs';
import { ADMIN_AUTH } from './support/host.mjs';
import { libvirtdMissing, withPrivateLibvirtd } from './support/libvirtd.mjs';

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A test:/// host: `count` running domains with stable UUIDs and MACs distinct per host. */
function testHost(dir, label, hostNo, count) {
  const hex = (n, w) => n.toString(16).padStart(w, '0');
  const doms = Array.from(
    { length: count },
    (
      _,
      i,
    ) => `<domain type='test'><name>${label}-${i}</name><uuid>6695eb01-${hex(hostNo, 4)}-4000-8000-${hex(i, 12)}</uuid>
<memory>262144</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
<devices><interface type='user'><mac address='52:54:01:${hex(hostNo, 2)}:${hex(i >> 8, 2)}:${hex(i & 255, 2)}'/></interface></devices></domain>`,
  );
  const file = join(dir, `${label}.xml`);
  writeFileSync(file, `<node>\n${doms.join('\n')}\n</node>\n`);
  return `test://${file}`;
}

async function freeTcpPort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function udpFree(base, count) {
  const sockets = [];
  try {
    for (let p = base; p < base + count; p++) {
      const s = createSocket('udp4');
      sockets.push(s);
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, '127.0.0.1', resolve);
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    for (const s of sockets) s.close();
  }
}

function startChild(config) {
  return forkServer(fileURLToPath(import.meta.url), ['server', JSON.stringify(config)]);
}

const AUTH = ADMIN_AUTH;
function get(port, path) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      { host: '127.0.0.1', port, path, headers: { Authorization: AUTH, Connection: 'close' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, ms: performance.now() - t0, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function ipmitool(port) {
  const args = ['-I', 'lanplus', '-C', '17', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-P', 'password'];
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(
      'ipmitool',
      [...args, '-L', 'ADMINISTRATOR', '-R', '1', '-N', '2', 'chassis', 'power', 'status'],
      (err, out) => resolve({ ok: !err && /Chassis Power is/.test(out), ms: performance.now() - t0 }),
    );
  });
}

async function measure(label, hypervisors, dir, { ipmi = true } = {}) {
  const port = await freeTcpPort();
  let ipmiBase = 24000 + (process.pid % 20) * 100;
  if (ipmi) while (!(await udpFree(ipmiBase, 260))) ipmiBase += 300;
  const server = await startChild({
    stateDir: join(dir, `state-${label.replace(/\W+/g, '-')}`),
    log: { level: 'silent' },
    redfish: { tls: false, port },
    ipmi: ipmi ? { basePort: ipmiBase } : { enabled: false },
    driver: { kind: 'libvirt', pollIntervalMs: 60_000, hypervisors },
  });
  try {
    const list = JSON.parse((await get(port, '/redfish/v1/Systems')).body);
    const ids = list.Members.map((m) => m['@odata.id']);
    const rssMB = Math.round((await server.rss()) / 1024 / 1024);
    if (!ipmi) return { label, nodes: ids.length, rssMB };
    for (let i = 0; i < 20; i++) await get(port, ids[i % ids.length]); // warm
    const seq = [];
    for (let i = 0; i < 300; i++) {
      const r = await get(port, ids[(i * 7) % ids.length]);
      if (r.status !== 200) throw new Error(`GET ${ids[(i * 7) % ids.length]}: ${r.status}`);
      seq.push(r.ms);
    }
    const conc = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 400) {
          const i = next++;
          conc.push((await get(port, ids[(i * 13) % ids.length])).ms);
        }
      }),
    );
    const ip = [];
    for (let i = 0; i < 30; i++) {
      const r = await ipmitool(ipmiBase + ((i * 37) % ids.length));
      if (!r.ok) throw new Error(`ipmitool on port ${ipmiBase + ((i * 37) % ids.length)} failed`);
      ip.push(r.ms);
    }
    return {
      label,
      nodes: ids.length,
      seqP50: pct(seq, 50),
      seqP95: pct(seq, 95),
      c8P50: pct(conc, 50),
      c8P95: pct(conc, 95),
      ipmiP50: pct(ip, 50),
      ipmiP95: pct(ip, 95),
      rssMB,
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  const missing = libvirtdMissing();
  if (missing) {
    console.log(`SKIP hypervisors bench: one real libvirt host must be in the run, and ${missing}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-hvbench-'));
  try {
    await withPrivateLibvirtd(async ({ uri, defineDomain }) => {
      defineDomain(`bmcemu-t-hvbench-${process.pid}`, '52:54:00:7e:be:21');
      const real = { name: 'real', uri };
      const rows = [];
      rows.push(await measure('1 host x 200', [real, { name: 'bulk', uri: testHost(dir, 'one', 1, 200) }], dir));
      rows.push(
        await measure(
          '2 hosts x 100',
          [
            real,
            { name: 'bulk-a', uri: testHost(dir, 'a', 2, 100) },
            { name: 'bulk-b', uri: testHost(dir, 'b', 3, 100) },
          ],
          dir,
        ),
      );
      const f = (x) => x.toFixed(2).padStart(8);
      console.log(
        `hypervisors bench (ms; load ${loadavg()[0].toFixed(2)}; each run also has 1 real libvirtd host with 1 TCG domain)`,
      );
      console.log('case             nodes  GET p50  GET p95  c8 p50   c8 p95   ipmi p50 ipmi p95  RSS MB');
      for (const r of rows) {
        console.log(
          `${r.label.padEnd(15)} ${String(r.nodes).padStart(5)} ${f(r.seqP50)} ${f(r.seqP95)} ${f(r.c8P50)} ${f(r.c8P95)} ${f(r.ipmiP50)} ${f(r.ipmiP95)}  ${String(r.rssMB).padStart(5)}`,
        );
      }
      const big = [];
      big.push(
        await measure('1 host x 1000', [real, { name: 'bulk', uri: testHost(dir, 'one-k', 4, 1000) }], dir, {
          ipmi: false,
        }),
      );
      big.push(
        await measure(
          '2 hosts x 500',
          [
            real,
            { name: 'bulk-a', uri: testHost(dir, 'a-k', 5, 500) },
            { name: 'bulk-b', uri: testHost(dir, 'b-k', 6, 500) },
          ],
          dir,
          { ipmi: false },
        ),
      );
      for (const r of big)
        console.log(`RSS ${r.label.padEnd(15)} ${String(r.nodes).padStart(5)} nodes  ${r.rssMB} MB (IPMI off)`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function serverMain() {
  const { silentLogger } = await import('@bmc-emu/core');
  const { configSchema } = await import('../dist/src/config-schema.js');
  const { startServer } = await import('../dist/src/serve.js');
  const config = configSchema.parse(JSON.parse(process.argv[3]));
  const server = await startServer(config, silentLogger());
  serveParent({ ready: true }, () => server.stop());
}

if (process.argv[2] === 'server') await serverMain();
else await main();
