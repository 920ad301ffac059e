// Boot HTTP: a 1 GiB file (sparse, in a temp dir) served by bmc-emu's BootHttpServer vs nginx, both on
// 127.0.0.1 high ports, fetched by the same client (curl). 1 client downloads the whole file; 50 concurrent
// clients each download it for a fixed time window; the servers take turns round by round (so load swings on a
// shared box hit all of them alike) and medians and ratios are printed (goal: >= 0.9x nginx). Then a boot storm:
// 100 simulated clients DHCP -> TFTP -> HTTP at once in a namespace (root only). Bounded: ~2 min.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 1024 * 1024 * 1024;
const WINDOW_S = 6;
const CLIENTS = 50;

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
writeFileSync(join(www, 'big.img'), '');
truncateSync(join(www, 'big.img'), SIZE); // sparse: the bench measures the servers, not the disk

const children = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
setTimeout(() => {
  console.log('boot-http bench: 170 s budget exceeded, stopping');
  process.exit(1);
}, 170_000).unref();

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

/** One client fetching the whole file: MB/s. */
async function oneClient(url) {
  const [bytes, secs] = await curl(url);
  return bytes / secs / 1e6;
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

async function ours() {
  const port = await freePort();
  const code = `
    import { BootHttpServer } from '@bmc-emu/boot-http';
    import { MemoryDriver } from '@bmc-emu/core';
    const s = new BootHttpServer({ driver: new MemoryDriver(), host: '127.0.0.1', port: ${port}, root: ${JSON.stringify(www)} });
    await s.start();
    process.stdout.write('READY\\n');`;
  const c = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: 'pipe' });
  children.push(c);
  const url = `http://127.0.0.1:${port}/files/big.img`;
  await waitHttp(url);
  return { name: 'bmc-emu boot-http', url, stop: async () => c.kill('SIGKILL') };
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
  return { name: `nginx (${workers} worker${workers === 1 ? '' : 's'})`, url, stop };
}

const only = process.env.BOOT_HTTP_BENCH; // "files" or "storm" to run one part
const ROUNDS_ONE = 7;
const ROUNDS_MANY = 3;
if (only !== 'storm') {
  console.log(
    `HTTP GET of a 1 GiB file over 127.0.0.1 (curl client), servers interleaved round by round: ` +
      `1 client x ${ROUNDS_ONE} rounds, ${CLIENTS} clients for ${WINDOW_S} s x ${ROUNDS_MANY} rounds; medians`,
  );
  const servers = [await ours(), await nginx(1), await nginx(2)];
  for (const s of servers) await curl(s.url); // warm the page cache and each server
  const one = servers.map(() => []);
  const many = servers.map(() => []);
  const empty = servers.map(() => 0);
  for (let r = 0; r < ROUNDS_ONE; r++) for (const [i, s] of servers.entries()) one[i].push(await oneClient(s.url));
  for (let r = 0; r < ROUNDS_MANY; r++) {
    for (const [i, s] of servers.entries()) {
      const m = await manyClients(s.url);
      many[i].push(m.mbs);
      empty[i] += m.empty;
    }
  }
  for (const s of servers) await s.stop();
  const med = servers.map((_, i) => ({ one: median(one[i]), many: median(many[i]) }));
  for (const [i, s] of servers.entries()) {
    console.log(
      `${s.name.padEnd(22)} 1 client: ${med[i].one.toFixed(0).padStart(6)} MB/s   ${CLIENTS} clients: ${med[i].many.toFixed(0).padStart(6)} MB/s aggregate` +
        `   (1 client runs: ${one[i].map((x) => x.toFixed(0)).join(' ')}; ${CLIENTS}: ${many[i].map((x) => x.toFixed(0)).join(' ')})` +
        (empty[i] ? `  (${empty[i]} clients got nothing)` : ''),
    );
  }
  const [a, n1, n2] = med;
  console.log(
    `ratio vs nginx 1 worker:  1 client ${(a.one / n1.one).toFixed(2)}x   ${CLIENTS} clients ${(a.many / n1.many).toFixed(2)}x  (goal >= 0.9x)`,
  );
  console.log(
    `ratio vs nginx 2 workers: 1 client ${(a.one / n2.one).toFixed(2)}x   ${CLIENTS} clients ${(a.many / n2.many).toFixed(2)}x`,
  );
}
if (only !== 'files') await storm();
process.exit(0);

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
