// Boot HTTP: a 256 MiB file (random bytes, in a temp dir, page-cached by a warm-up fetch) served by bmc-emu's
// BootHttpServer (sendfile engine and stream engine) vs nginx-light (1 and 2 workers), all on 127.0.0.1 high
// ports, fetched by the same client (curl). 1 client downloads the whole file; 50 concurrent clients each
// download it for a fixed time window; the servers take turns round by round, in reverse order every other
// round (so load swings on a shared box hit all of them alike and no server always follows the same one);
// medians, the median and range of per-round ratios and server CPU per GiB are printed (goal: >= 0.9x nginx).
// BOOT_HTTP_BENCH_EXTRA=readstream adds plain-Node variants (fs.createReadStream with a 1 MiB highWaterMark,
// piped, and written with cork/uncork) for the comparison in docs/boot-http.md. Then a boot storm: 100
// simulated clients DHCP -> TFTP -> HTTP at once in a namespace (root only). Bounded: ~4 min.
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 256 * 1024 * 1024;
const WINDOW_S = 3;
const CLIENTS = 50;
const ROUNDS_ONE = 15;
const ROUNDS_MANY = 5;
const EXTRA = (process.env.BOOT_HTTP_BENCH_EXTRA ?? '').split(',').filter(Boolean);

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const NGINX = ['/usr/sbin/nginx', 'nginx'].find((c) => (c.startsWith('/') ? have(c) : have(c)));
if (!have('curl') || !NGINX) {
  console.log('SKIP boot-http bench: needs curl and nginx (nginx-light)');
  process.exit(0);
}
try {
  await import('@bmc-emu/boot-http');
} catch {
  console.log('SKIP boot-http bench: build first (npm run build)');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'boot-http-bench-'));
chmodSync(dir, 0o755); // nginx workers drop privileges
const www = join(dir, 'www');
mkdirSync(www, { mode: 0o755 });
{
  // real bytes, not a sparse file: holes may take shortcuts in the page cache that an image's pages do not
  const fd = openSync(join(www, 'big.img'), 'w');
  const block = Buffer.allocUnsafe(16 * 1024 * 1024);
  for (let off = 0; off < SIZE; off += block.length) writeSync(fd, randomFillSync(block));
  closeSync(fd);
}

const children = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
setTimeout(() => {
  console.log('boot-http bench: 300 s budget exceeded, stopping');
  process.exit(1);
}, 300_000).unref();

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url) {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    try {
      const r = await fetch(url, { method: 'HEAD' });
      if (r.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** curl -> [bytes, seconds]; a timed-out curl still reports what it received. */
function curl(url, maxTime) {
  return new Promise((resolve) => {
    const args = ['-s', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url];
    if (maxTime) args.unshift('--max-time', String(maxTime));
    const c = spawn('curl', args);
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('close', () => {
      const [b, t] = out.trim().split(' ').map(Number);
      resolve([b || 0, t || 0]);
    });
  });
}

/** CLIENTS concurrent clients for WINDOW_S seconds each: aggregate MB/s, and how many got nothing. */
async function manyClients(url) {
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: CLIENTS }, () => curl(url, WINDOW_S)));
  const elapsed = (performance.now() - t0) / 1000;
  const total = results.reduce((a, [b]) => a + b, 0);
  return { mbs: total / elapsed / 1e6, empty: results.filter(([b]) => b === 0).length };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** utime + stime (ms) of a process and its direct children (nginx's workers). */
function cpuMs(pid) {
  const ticks = (p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return { ppid: Number(f[1]), t: Number(f[11]) + Number(f[12]) };
    } catch {
      return undefined;
    }
  };
  let total = ticks(pid)?.t ?? 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === pid) continue;
    const s = ticks(d);
    if (s?.ppid === pid) total += s.t;
  }
  return total * 10; // USER_HZ is 100 on Linux
}

async function spawnNodeServer(name, code) {
  const port = await freePort();
  const c = spawn(process.execPath, ['--input-type=module', '-e', code.replaceAll('PORT', String(port))], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(c);
  const url = `http://127.0.0.1:${port}/files/big.img`;
  await waitHttp(url);
  return { name, url, pid: c.pid, stop: async () => c.kill('SIGKILL') };
}

/** bmc-emu's BootHttpServer with one body engine. */
function ours(sendfile) {
  return spawnNodeServer(
    `bmc-emu ${sendfile ? 'sendfile' : 'stream'}`,
    `import { BootHttpServer } from '@bmc-emu/boot-http';
    import { MemoryDriver } from '@bmc-emu/core';
    const s = new BootHttpServer({ driver: new MemoryDriver(), host: '127.0.0.1', port: PORT, root: ${JSON.stringify(www)}, sendfile: ${sendfile} });
    await s.start();
    if (s.bodyEngine !== ${JSON.stringify(sendfile ? 'sendfile' : 'stream')}) { console.error('engine is ' + s.bodyEngine); process.exit(1); }`,
  );
}

/** What a plain Node server would do (no Range, no cache): fs.createReadStream, 1 MiB highWaterMark. */
function readStream(cork) {
  return spawnNodeServer(
    `node readStream${cork ? '+cork' : ''}`,
    `import { createReadStream, statSync } from 'node:fs';
    import { createServer } from 'node:http';
    const path = ${JSON.stringify(join(www, 'big.img'))};
    createServer((req, res) => {
      res.setHeader('content-length', statSync(path).size);
      if (req.method === 'HEAD') return res.end();
      const rs = createReadStream(path, { highWaterMark: 1024 * 1024 });
      ${
        cork
          ? `rs.on('data', (chunk) => {
        res.cork();
        const ok = res.write(chunk);
        process.nextTick(() => res.uncork());
        if (!ok) { rs.pause(); res.once('drain', () => rs.resume()); }
      });
      rs.on('end', () => res.end());
      res.on('close', () => rs.destroy());`
          : `rs.pipe(res);
      res.on('close', () => rs.destroy());`
      }
    }).listen(PORT, '127.0.0.1');`,
  );
}

async function nginx(workers) {
  const port = await freePort();
  const ndir = join(dir, `nginx-${workers}`);
  mkdirSync(ndir);
  // what nginx-light's default nginx.conf sets for static files (sendfile, tcp_nopush), minus logging
  writeFileSync(
    join(ndir, 'nginx.conf'),
    `daemon off;
master_process on;
worker_processes ${workers};
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${ndir}; proxy_temp_path ${ndir}; fastcgi_temp_path ${ndir}; uwsgi_temp_path ${ndir}; scgi_temp_path ${ndir};
  server { listen 127.0.0.1:${port}; root ${www}; location / { } }
}
`,
  );
  const c = spawn(NGINX, ['-c', join(ndir, 'nginx.conf'), '-p', ndir, '-e', join(ndir, 'error.log')], {
    stdio: 'ignore',
  });
  children.push(c);
  const url = `http://127.0.0.1:${port}/big.img`;
  try {
    await waitHttp(url);
  } catch (e) {
    let log = '';
    try {
      log = readFileSync(join(ndir, 'error.log'), 'utf8');
    } catch {}
    throw new Error(`${e.message}\n${log}`, { cause: e });
  }
  const stop = async () => {
    c.kill('SIGTERM');
    await new Promise((r2) => setTimeout(r2, 300));
    if (c.exitCode === null) c.kill('SIGKILL');
  };
  return { name: `nginx (${workers} worker${workers === 1 ? '' : 's'})`, url, pid: c.pid, stop };
}

const only = process.env.BOOT_HTTP_BENCH; // "files" or "storm" to run one part
if (only !== 'storm') await files();
if (only !== 'files') await storm();
process.exit(0);

async function files() {
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `HTTP GET of a 256 MiB file over 127.0.0.1 (curl client), servers interleaved round by round: ` +
      `1 client x ${ROUNDS_ONE} rounds, ${CLIENTS} clients for ${WINDOW_S} s x ${ROUNDS_MANY} rounds; medians. Load at start: ${load()}`,
  );
  const servers = [await ours(true), await ours(false), await nginx(1), await nginx(2)];
  if (EXTRA.includes('readstream')) servers.push(await readStream(false), await readStream(true));
  for (const s of servers) await curl(s.url); // warm the page cache and each server
  const one = servers.map(() => []);
  const many = servers.map(() => []);
  const empty = servers.map(() => 0);
  const cpu = servers.map(() => ({ ms: 0, bytes: 0 }));
  const turns = (r) => (r % 2 ? [...servers.entries()].reverse() : [...servers.entries()]);
  for (let r = 0; r < ROUNDS_ONE; r++) {
    for (const [i, s] of turns(r)) {
      const before = cpuMs(s.pid);
      const [bytes, secs] = await curl(s.url);
      cpu[i].ms += cpuMs(s.pid) - before;
      cpu[i].bytes += bytes;
      one[i].push(bytes / secs / 1e6);
    }
  }
  for (let r = 0; r < ROUNDS_MANY; r++) {
    for (const [i, s] of turns(r)) {
      const m = await manyClients(s.url);
      many[i].push(m.mbs);
      empty[i] += m.empty;
    }
  }
  for (const s of servers) await s.stop();
  const med = servers.map((_, i) => ({ one: median(one[i]), many: median(many[i]) }));
  const f0 = (xs) => xs.map((x) => x.toFixed(0)).join(' ');
  for (const [i, s] of servers.entries()) {
    const perGiB = (cpu[i].ms / cpu[i].bytes) * 2 ** 30;
    console.log(
      `${s.name.padEnd(20)} 1 client: ${med[i].one.toFixed(0).padStart(5)} MB/s   ${CLIENTS} clients: ${med[i].many.toFixed(0).padStart(5)} MB/s` +
        `   server CPU ${perGiB.toFixed(0).padStart(4)} ms/GiB (1 client)   runs: 1: ${f0(one[i])}; ${CLIENTS}: ${f0(many[i])}` +
        (empty[i] ? `  (${empty[i]} clients got nothing)` : ''),
    );
  }
  // per-round ratios show the spread on a loaded box; the ratio of the medians is the headline, the median of
  // the per-round ratios (each pair of fetches a few hundred ms apart) a check on it
  const ratios = (a, b, runs) => runs[a].map((x, r) => x / runs[b][r]);
  const nginxAt = { 'nginx 1 worker': 2, 'nginx 2 workers': 3 };
  for (const [i, label] of [
    [0, 'sendfile'],
    [1, 'stream'],
  ]) {
    for (const [nl, n] of Object.entries(nginxAt)) {
      const r1 = ratios(i, n, one);
      const rm = ratios(i, n, many);
      console.log(
        `ratio ${label.padEnd(8)} vs ${nl.padEnd(15)}: 1 client ${(med[i].one / med[n].one).toFixed(2)}x (per round: median ${median(r1).toFixed(2)}, ${Math.min(...r1).toFixed(2)}-${Math.max(...r1).toFixed(2)})` +
          `   ${CLIENTS} clients ${(med[i].many / med[n].many).toFixed(2)}x (per round: median ${median(rm).toFixed(2)}, ${Math.min(...rm).toFixed(2)}-${Math.max(...rm).toFixed(2)})   (goal >= 0.9x)`,
      );
    }
  }
  console.log(`Load at end: ${load()}`);
}

/**
 * 100 simulated PXE clients at once in a namespace this bench creates: DHCP (our DhcpServer) -> TFTP
 * undionly.kpxe (our TftpServer, curl tftp://) -> HTTP per-MAC script + 64 MiB initrd (our BootHttpServer, curl).
 */
async function storm() {
  const COUNT = 100;
  if (process.getuid?.() !== 0 || !have('ip')) {
    console.log('SKIP boot storm: needs root (network namespaces)');
    return;
  }
  const SRV = `bhss${process.pid % 100000}`;
  const CLI = `bhsc${process.pid % 100000}`;
  const ns = (name, ...args) => execFileSync('ip', ['netns', 'exec', name, ...args], { encoding: 'utf8' });
  const initrd = 'initrd64.img';
  writeFileSync(join(www, initrd), '');
  truncateSync(join(www, initrd), 64 * 1024 * 1024);
  const nodes = {};
  for (let i = 1; i <= COUNT; i++) {
    const mac = `52:54:00:99:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    nodes[mac] = { kernel: initrd, initrd: [initrd] };
  }
  const cleanupNs = () => {
    for (const n of [CLI, SRV]) {
      try {
        execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
      } catch {}
    }
  };
  process.on('exit', cleanupNs);
  try {
    for (const n of [SRV, CLI]) {
      execFileSync('ip', ['netns', 'add', n]);
      ns(n, 'ip', 'link', 'set', 'lo', 'up');
    }
    ns(SRV, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    ns(SRV, 'ip', 'addr', 'add', '172.30.0.1/24', 'dev', 'br0');
    ns(SRV, 'ip', 'link', 'set', 'br0', 'up');
    ns(SRV, 'ip', 'link', 'add', 'pb', 'type', 'veth', 'peer', 'name', 'cb');
    ns(SRV, 'ip', 'link', 'set', 'cb', 'netns', CLI);
    ns(SRV, 'ip', 'link', 'set', 'pb', 'master', 'br0', 'up');
    ns(CLI, 'ip', 'link', 'set', 'cb', 'up');
    ns(CLI, 'ip', 'addr', 'add', '172.30.0.2/24', 'dev', 'cb'); // one address carries every simulated client's TFTP/HTTP
    ns(CLI, 'ip', 'route', 'add', 'default', 'dev', 'cb'); // so 255.255.255.255 has a route
    const cfg = {
      interface: 'br0',
      serverAddress: '172.30.0.1',
      subnet: '172.30.0.0/24',
      rangeStart: '172.30.0.100',
      rangeEnd: '172.30.0.250',
      httpPort: 8080,
      wwwDir: www,
      ipxeDir: '/usr/lib/ipxe',
      logLevel: process.env.STORM_LOG ?? 'warn',
      http: { nodes },
    };
    const stack = spawn(
      'ip',
      ['netns', 'exec', SRV, process.execPath, join(REPO, 'fixtures/ipxe/run-pxe-stack.mjs'), JSON.stringify(cfg)],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(stack);
    let out = '';
    stack.stdout.on('data', (d) => {
      out += d;
    });
    const until = Date.now() + 15_000;
    while (!out.includes('READY')) {
      if (Date.now() > until || stack.exitCode !== null) throw new Error(`stack did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = JSON.parse(
      execFileSync(
        'ip',
        [
          'netns',
          'exec',
          CLI,
          process.execPath,
          join(REPO, 'fixtures/ipxe/storm-client.mjs'),
          JSON.stringify({ count: COUNT, server: '172.30.0.1', initrd }),
        ],
        { cwd: REPO, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      ),
    );
    stack.kill('SIGTERM');
    const p95 = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] ?? NaN;
    };
    const okTftp = res.ok.filter((r) => r.tftpBytes === statSize('/usr/lib/ipxe/undionly.kpxe')).length;
    const okHttp = res.ok.filter((r) => r.httpBytes === 64 * 1024 * 1024).length;
    const ips = new Set(res.ok.map((r) => r.ip)).size;
    console.log(
      `boot storm: ${res.ok.length}/${COUNT} clients completed DHCP -> TFTP -> HTTP in ${(res.totalMs / 1000).toFixed(1)} s ` +
        `(${ips} distinct leases, ${okTftp} full-size undionly.kpxe, ${okHttp} full 64 MiB initrds)`,
    );
    console.log(
      `  p95 per stage: DHCP ${p95(res.ok.map((r) => r.dhcpMs)).toFixed(0)} ms   TFTP ${p95(res.ok.map((r) => r.tftpMs)).toFixed(0)} ms   ` +
        `HTTP script+initrd ${p95(res.ok.map((r) => r.httpMs)).toFixed(0)} ms`,
    );
    console.log(
      `  DHCP retransmissions by the clients: ${res.dhcpRetransmits}; the client process's longest event-loop stall: ${res.clientLoopLagMaxMs.toFixed(0)} ms`,
    );
    if (res.failed.length) console.log(`  failures: ${res.failed.slice(0, 5).join(' | ')}`);
  } finally {
    cleanupNs();
  }
}

function statSize(p) {
  return readFileSync(p).length;
}
