// DHCP DORA throughput: perfdhcp (Debian kea-admin) against bmc-emu's DhcpServer and against dnsmasq, in the
// same run, same namespaces, same /16 pool, both persisting leases to a file, both without ping checks.
// Needs root (network namespaces), perfdhcp and dnsmasq; prints a skip line otherwise. Bounded: ~1 min.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canBindToDevice } from '@bmc-emu/dhcp';
import { have } from './support/host.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATES = (process.env.DHCP_BENCH_RATES ?? '1000,4000').split(',').map(Number);
const PERIOD_S = Number(process.env.DHCP_BENCH_SECONDS ?? 5);
const has = have;
if (process.getuid?.() !== 0 || !has('perfdhcp') || !has('dnsmasq') || !canBindToDevice()) {
  console.log('dhcp bench SKIPPED: needs root, perfdhcp (kea-admin), dnsmasq (dnsmasq-base) and the built addon');
  process.exit(0);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ns = (name, ...args) => execFileSync('ip', ['netns', 'exec', name, ...args], { encoding: 'utf8' });
const SRV = `dhbs${process.pid % 100000}`;
const CLI = `dhbc${process.pid % 100000}`;
const dir = mkdtempSync(join(tmpdir(), 'bmcemu-dhcp-bench-'));

function setup() {
  for (const n of [SRV, CLI]) {
    execFileSync('ip', ['netns', 'add', n]);
    ns(n, 'ip', 'link', 'set', 'lo', 'up');
  }
  ns(SRV, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
  ns(SRV, 'ip', 'addr', 'add', '172.30.0.1/16', 'dev', 'br0');
  ns(SRV, 'ip', 'link', 'set', 'br0', 'up');
  ns(SRV, 'ip', 'link', 'add', 'pb', 'type', 'veth', 'peer', 'name', 'cb');
  ns(SRV, 'ip', 'link', 'set', 'cb', 'netns', CLI);
  ns(SRV, 'ip', 'link', 'set', 'pb', 'master', 'br0', 'up');
  ns(CLI, 'ip', 'link', 'set', 'cb', 'up');
  // perfdhcp plays a relay: it needs an address and gets answers at giaddr:67
  ns(CLI, 'ip', 'addr', 'add', '172.30.0.2/16', 'dev', 'cb');
}

function teardown() {
  for (const n of [SRV, CLI]) {
    try {
      for (const pid of execFileSync('ip', ['netns', 'pids', n], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) {
        process.kill(Number(pid), 'SIGKILL');
      }
    } catch {}
    try {
      execFileSync('ip', ['netns', 'del', n]);
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
}

async function startServer(kind, leaseFile) {
  const args =
    kind === 'bmc-emu'
      ? [
          process.execPath,
          join(REPO, 'fixtures/dhcp/run-server.mjs'),
          JSON.stringify({
            mode: 'server',
            interface: 'br0',
            subnet: '172.30.0.0/16',
            rangeStart: '172.30.1.0',
            rangeEnd: '172.30.255.254',
            leaseTimeSec: 3600,
            leaseFile,
            logLevel: 'warn',
          }),
        ]
      : [
          'dnsmasq',
          '--no-daemon',
          '--conf-file=/dev/null',
          '--port=0',
          '--interface=br0',
          '--bind-interfaces',
          '--no-ping',
          '--quiet-dhcp',
          '--dhcp-lease-max=100000',
          '--dhcp-range=172.30.1.0,172.30.255.254,255.255.0.0,1h',
          `--dhcp-leasefile=${leaseFile}`,
          `--pid-file=${join(dir, 'dnsmasq.pid')}`,
        ];
  const proc = spawn('ip', ['netns', 'exec', SRV, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
  });
  const ready = kind === 'bmc-emu' ? /READY/ : /DHCP, IP range/;
  const until = Date.now() + 10_000;
  while (!ready.test(out)) {
    if (Date.now() > until || proc.exitCode !== null) throw new Error(`${kind} did not start: ${out}`);
    await sleep(50);
  }
  return proc;
}

function perfdhcp(rate) {
  const args = ['-4', '-l', 'cb', '-r', String(rate), '-R', '100000', '-p', String(PERIOD_S), '172.30.0.1'];
  // perfdhcp exits 3 when anything was dropped; its report is on stdout either way
  const { stdout: out, error } = spawnSync('ip', ['netns', 'exec', CLI, 'perfdhcp', ...args], {
    encoding: 'utf8',
    timeout: (PERIOD_S + 30) * 1000,
  });
  if (error || !/Rate:/.test(out)) throw new Error(`perfdhcp failed: ${error ?? out}`);
  const section = (name) => out.slice(out.indexOf(`Statistics for: ${name}`));
  const ra = section('REQUEST-ACK');
  const doff = section('DISCOVER-OFFER');
  return {
    rate: Number(/Rate: ([\d.]+) 4-way exchanges\/second/.exec(out)?.[1] ?? Number.NaN),
    acks: Number(/received packets: (\d+)/.exec(ra)?.[1] ?? Number.NaN),
    offerDrops: Number(/drops: (\d+)/.exec(doff)?.[1] ?? Number.NaN),
    ackDrops: Number(/drops: (\d+)/.exec(ra)?.[1] ?? Number.NaN),
    ackDelayMs: Number(/avg delay: ([\d.]+) ms/.exec(ra)?.[1] ?? Number.NaN),
    sentDiscovers: Number(/sent packets: (\d+)/.exec(doff)?.[1] ?? Number.NaN),
  };
}

const results = [];
try {
  setup();
  for (const rate of RATES) {
    for (const kind of ['bmc-emu', 'dnsmasq']) {
      const leaseFile = join(dir, `${kind}-${rate}.leases`);
      const proc = await startServer(kind, leaseFile);
      await sleep(300);
      const r = perfdhcp(rate);
      proc.kill('SIGKILL');
      await sleep(300);
      results.push({ kind, offered: rate, ...r });
      console.log(
        `${kind.padEnd(8)} offered ${String(rate).padStart(5)}/s: ${r.rate.toFixed(0).padStart(5)} DORA/s, ` +
          `${r.acks} ACKs of ${r.sentDiscovers} DISCOVERs, drops ${r.offerDrops} offer / ${r.ackDrops} ack, ` +
          `ACK delay avg ${r.ackDelayMs} ms`,
      );
    }
  }
} finally {
  teardown();
}
for (const rate of RATES) {
  const ours = results.find((r) => r.kind === 'bmc-emu' && r.offered === rate);
  const theirs = results.find((r) => r.kind === 'dnsmasq' && r.offered === rate);
  if (!ours || !theirs) continue;
  console.log(
    `offered ${rate}/s over ${PERIOD_S} s: bmc-emu ${ours.rate.toFixed(0)} vs dnsmasq ${theirs.rate.toFixed(0)} DORA/s ` +
      `= ${(ours.rate / theirs.rate).toFixed(2)}x; drops (offer+ack) ${ours.offerDrops + ours.ackDrops} vs ${theirs.offerDrops + theirs.ackDrops}`,
  );
}
