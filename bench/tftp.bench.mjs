// TFTP 32 MiB over loopback: bmc-emu vs `dnsmasq --enable-tftp` vs tftpd-hpa `in.tftpd`, same client (atftp),
// blksize 512 / 1468 x windowsize 1 / 16, MB/s and ratios. dnsmasq cannot listen on a port other than 69, so
// all three servers run inside a namespace this bench creates (its own 127.0.0.1), each on 127.0.0.1 there;
// nothing touches the host's interfaces or the system services. Bounded: ~1 min.
// bmc-emu runs the read engine `serve` picks by default (auto: native when its addon is built) and the table
// says which; TFTP_BENCH_ENGINE=js (or native) forces one, for before/after comparisons.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { have } from './support/host.mjs';

const SIZE = 32 * 1024 * 1024;
const RUNS = 2; // best of
const PARALLEL = 32; // a rack PXE-booting at once: 32 clients x 4 MiB, lock-step 1468
const PSIZE = 4 * 1024 * 1024;
const SERVE = fileURLToPath(new URL('../fixtures/tftp/serve.mjs', import.meta.url));
const NS = `bmctftpb${process.pid % 100000}`;
const ENGINE = process.env.TFTP_BENCH_ENGINE ?? 'auto';

if (process.getuid?.() !== 0 || !['ip', 'atftp', 'dnsmasq', 'in.tftpd'].every(have)) {
  console.log('SKIP tftp bench: needs root (namespace), atftp, dnsmasq and in.tftpd (tftpd-hpa)');
  process.exit(0);
}
try {
  execFileSync('node', ['-e', "import('@bmc-emu/tftp')"], { stdio: 'ignore' });
} catch {
  console.log('SKIP tftp bench: build first (npm run build)');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'tftp-bench-'));
chmodSync(dir, 0o755); // in.tftpd and dnsmasq may drop privileges
const body = randomBytes(SIZE);
const want = createHash('sha256').update(body).digest('hex');
writeFileSync(join(dir, 'big.bin'), body, { mode: 0o644 });
writeFileSync(join(dir, 'small.bin'), 'one block', { mode: 0o644 });
const pbody = body.subarray(0, PSIZE);
const pwant = createHash('sha256').update(pbody).digest('hex');
writeFileSync(join(dir, 'p.bin'), pbody, { mode: 0o644 });
const outDir = mkdtempSync(join(tmpdir(), 'tftp-bench-out-'));

const children = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  try {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  } catch {}
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
setTimeout(() => {
  console.log('tftp bench: 170 s budget exceeded, stopping');
  process.exit(1);
}, 170_000).unref();

execFileSync('ip', ['netns', 'add', NS]);
execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
// in.tftpd resolves its -a address with AI_ADDRCONFIG, which needs a non-loopback IPv4 address to exist:
// give the namespace one on a veth pair that stays inside it (no traffic goes there)
for (const args of [
  ['link', 'add', 'tbv0', 'type', 'veth', 'peer', 'name', 'tbv1'],
  ['addr', 'add', '10.254.254.1/30', 'dev', 'tbv0'],
  ['link', 'set', 'tbv0', 'up'],
  ['link', 'set', 'tbv1', 'up'],
]) {
  execFileSync('ip', ['netns', 'exec', NS, 'ip', ...args]);
}

function startInNs(cmd, args, readyRe) {
  const c = spawn('ip', ['netns', 'exec', NS, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(
      () => (readyRe ? reject(new Error(`${cmd} not ready: ${out}`)) : resolve(c)),
      readyRe ? 10_000 : 700,
    );
    const on = (d) => {
      out += String(d);
      if (readyRe?.test(out)) {
        clearTimeout(t);
        c.readyOutput = out;
        resolve(c);
      }
    };
    c.stdout.on('data', on);
    c.stderr.on('data', on);
    c.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

const servers = [
  {
    name: 'bmc-emu',
    port: 6969,
    start: () =>
      startInNs(
        process.execPath,
        [SERVE, '--bind', '127.0.0.1', '--port', '6969', '--root', dir, '--max-blksize', '65464', '--engine', ENGINE],
        /READY.*\n/,
      ),
  },
  {
    name: 'dnsmasq',
    port: 69,
    start: () =>
      startInNs(
        'dnsmasq',
        [
          '--no-daemon',
          '--conf-file=/dev/null',
          '--port=0',
          '--listen-address=127.0.0.1',
          '--bind-interfaces',
          '--enable-tftp',
          `--tftp-root=${dir}`,
          '--user=root',
          '--pid-file=',
          '--quiet-tftp',
          '--log-facility=-',
        ],
        /TFTP root/,
      ),
  },
  {
    name: 'tftpd-hpa',
    port: 6970,
    start: () => startInNs('in.tftpd', ['-L', '-a', '127.0.0.1:6970', '-u', 'root', '-s', dir], undefined),
  },
];

const configs = [
  { blksize: 512, windowsize: 1 },
  { blksize: 1468, windowsize: 1 },
  { blksize: 512, windowsize: 16 },
  { blksize: 1468, windowsize: 16 },
  { blksize: 1468, windowsize: 4 }, // what OVMF's PXE client asks for
];

function fetch(port, { blksize, windowsize }, out) {
  const args = ['--option', `blksize ${blksize}`];
  if (windowsize > 1) args.push('--option', `windowsize ${windowsize}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    'ip',
    ['netns', 'exec', NS, 'atftp', ...args, '-g', '-r', 'big.bin', '-l', out, '127.0.0.1', String(port)],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0)
    throw new Error(`atftp failed (${r.status ?? r.signal}): ${`${r.stdout}${r.stderr}`.slice(-400)}`);
  return { secs };
}

/** The windowsize a server grants, from its OACK (atftp --trace on a one-block file; atftp prints what it asked). */
function grantedWindow(port) {
  const r = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      NS,
      'atftp',
      '--trace',
      '--option',
      'windowsize 16',
      '-g',
      '-r',
      'small.bin',
      '-l',
      '/dev/null',
      '127.0.0.1',
      String(port),
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  const oack = /received OACK <([^>]*)>/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '';
  return Number(/windowsize: (\d+)/.exec(oack)?.[1] ?? 1);
}

/** PARALLEL atftp clients at once (blksize 1468, lock-step): aggregate MB/s from first start to last end. */
async function parallelFetch(port) {
  const t0 = process.hrtime.bigint();
  const outs = Array.from({ length: PARALLEL }, (_, i) => join(outDir, `p${i}`));
  await Promise.all(
    outs.map(
      (out) =>
        new Promise((resolve, reject) => {
          const c = spawn('ip', [
            ...['netns', 'exec', NS, 'atftp', '--option', 'blksize 1468'],
            ...['-g', '-r', 'p.bin', '-l', out, '127.0.0.1', String(port)],
          ]);
          const t = setTimeout(() => c.kill('SIGKILL'), 60_000);
          c.on('exit', (code) => {
            clearTimeout(t);
            if (code === 0) resolve();
            else reject(new Error(`parallel atftp exited ${code}`));
          });
        }),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const out of outs) {
    if (createHash('sha256').update(readFileSync(out)).digest('hex') !== pwant)
      throw new Error('parallel: bytes differ');
    rmSync(out, { force: true });
  }
  return { mbps: (PARALLEL * PSIZE) / 1e6 / secs, secs };
}

const results = {}; // results[server][config] = { mbps, granted }
let engine = '?';
for (const s of servers) {
  const proc = await s.start();
  if (s.name === 'bmc-emu') engine = /engine=(\w+)/.exec(proc.readyOutput ?? '')?.[1] ?? '?';
  results[s.name] = {};
  const window = grantedWindow(s.port);
  for (const cfg of configs) {
    let best;
    for (let r = 0; r < RUNS; r++) {
      const out = join(outDir, `${s.name}-${cfg.blksize}-${cfg.windowsize}`);
      const { secs } = fetch(s.port, cfg, out);
      const granted = cfg.windowsize > 1 && window > 1 ? cfg.windowsize : 1;
      const ok = createHash('sha256').update(readFileSync(out)).digest('hex') === want;
      rmSync(out, { force: true });
      if (!ok) throw new Error(`${s.name} ${JSON.stringify(cfg)}: bytes differ`);
      const mbps = SIZE / 1e6 / secs;
      if (!best || mbps > best.mbps) best = { mbps, granted };
    }
    results[s.name][`${cfg.blksize}/${cfg.windowsize}`] = best;
  }
  results[s.name].parallel = await parallelFetch(s.port);
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`TFTP 32 MiB over loopback (in a private namespace), client atftp, best of ${RUNS}, MB/s (1 MB = 10^6 B)`);
console.log(
  `bmc-emu read engine: ${engine}${ENGINE === 'auto' ? ' (auto, what `serve` uses)' : ` (forced by TFTP_BENCH_ENGINE=${ENGINE})`}`,
);
console.log(
  `${pad('blksize/window', 16)}${pad('bmc-emu', 12)}${pad('dnsmasq', 16)}${pad('tftpd-hpa', 16)}${pad('vs dnsmasq', 12)}vs tftpd-hpa`,
);
for (const cfg of configs) {
  const k = `${cfg.blksize}/${cfg.windowsize}`;
  const o = results['bmc-emu'][k];
  const d = results.dnsmasq[k];
  const h = results['tftpd-hpa'][k];
  const cell = (x) =>
    `${x.mbps.toFixed(1)}${cfg.windowsize > 1 && x.granted !== cfg.windowsize ? ` (w=${x.granted})` : ''}`;
  console.log(
    `${pad(k, 16)}${pad(cell(o), 12)}${pad(cell(d), 16)}${pad(cell(h), 16)}${pad(`${(o.mbps / d.mbps).toFixed(2)}x`, 12)}${(o.mbps / h.mbps).toFixed(2)}x`,
  );
}
{
  const o = results['bmc-emu'].parallel;
  const d = results.dnsmasq.parallel;
  const h = results['tftpd-hpa'].parallel;
  console.log(
    `${pad(`${PARALLEL}x4MiB 1468/1`, 16)}${pad(o.mbps.toFixed(1), 12)}${pad(d.mbps.toFixed(1), 16)}${pad(h.mbps.toFixed(1), 16)}` +
      `${pad(`${(o.mbps / d.mbps).toFixed(2)}x`, 12)}${(o.mbps / h.mbps).toFixed(2)}x   (aggregate, ${PARALLEL} clients at once)`,
  );
}
console.log('(w=1): that server did not accept the windowsize option, so it ran lock-step.');
console.log(
  `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 shared cores)`,
);
