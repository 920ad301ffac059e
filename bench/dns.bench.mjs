// DNS: the dns-packet codec alone, then queries/s and latency of bmc-emu's DNS (`bmc-emu serve`) and of
// dnsmasq answering the same local records on loopback, with one UDP client keeping WINDOW queries in flight.
// Needs dnsmasq for the comparison row (skipped without it). Bounded: ~30 s.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { have } from './support/host.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.DNS_BENCH_SECONDS ?? 4);
const WINDOW = Number(process.env.DNS_BENCH_WINDOW ?? 32);
const NAMES = ['api.ocp.lab.test', 'api-int.ocp.lab.test', 'x.apps.ocp.lab.test', 'master-0.ocp.lab.test'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const has = have;

// 1. the codec: decode a query and encode its answer, the work every authoritative reply costs
{
  const q = dnsPacket.encode({ type: 'query', id: 1, flags: 256, questions: [{ name: NAMES[0], type: 'A' }] });
  const n = 200_000;
  const once = () => {
    const p = dnsPacket.decode(q);
    dnsPacket.encode({
      type: 'response',
      id: p.id,
      flags: 0x0500,
      questions: p.questions,
      answers: [{ type: 'A', name: p.questions[0].name, ttl: 300, data: '192.168.126.10' }],
    });
  };
  for (let i = 0; i < 20_000; i++) once(); // warm the JIT first
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) once();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(
    `codec  dns-packet decode query + encode answer: ${us.toFixed(2)} µs (${Math.round(1e6 / us)}/s on one core)`,
  );
}

async function load(port) {
  const sock = createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const queries = NAMES.map((name) => dnsPacket.encode({ type: 'query', id: 0, questions: [{ name, type: 'A' }] }));
  const sentAt = new Map();
  const lat = [];
  let id = 0;
  let answered = 0;
  let timeouts = 0;
  const until = Date.now() + SECONDS * 1000;
  const sendOne = () => {
    id = (id + 1) & 0xffff;
    const q = Buffer.from(queries[id % queries.length]);
    q.writeUInt16BE(id, 0);
    sentAt.set(id, process.hrtime.bigint());
    sock.send(q, port, '127.0.0.1');
  };
  await new Promise((resolve) => {
    sock.on('message', (m) => {
      const rid = m.readUInt16BE(0);
      const t = sentAt.get(rid);
      if (t === undefined) return;
      sentAt.delete(rid);
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      answered++;
      if (Date.now() < until) sendOne();
      else if (sentAt.size === 0) resolve();
    });
    for (let i = 0; i < WINDOW; i++) sendOne();
    // lost datagrams are replaced after 1 s, and the run ends even if some never come back
    const sweep = setInterval(() => {
      const now = process.hrtime.bigint();
      for (const [k, t] of sentAt) {
        if (now - t > 1_000_000_000n) {
          sentAt.delete(k);
          timeouts++;
          if (Date.now() < until) sendOne();
        }
      }
      if (Date.now() > until + 2000) {
        clearInterval(sweep);
        resolve();
      }
    }, 200);
    sock.once('close', () => clearInterval(sweep));
  });
  sock.close();
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]?.toFixed(2);
  return { qps: Math.round(answered / SECONDS), p50: pct(50), p99: pct(99), timeouts };
}

const dir = mkdtempSync(join(tmpdir(), 'bmcemu-dns-bench-'));
const children = [];
function start(cmd, args) {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (out += d));
  children.push(c);
  return { child: c, out: () => out };
}
async function waitFor(s, re) {
  for (let i = 0; i < 200; i++) {
    if (re.test(s.out())) return;
    await sleep(50);
  }
  throw new Error(`did not start:\n${s.out()}`);
}

try {
  const OURS = 15353;
  const THEIRS = 15354;
  writeFileSync(
    join(dir, 'config.yaml'),
    `stateDir: ${dir}/state
log: { level: warn }
driver: { kind: memory, demoNodes: 0 }
redfish: { enabled: false }
ipmi: { enabled: false }
dns:
  enabled: true
  port: ${OURS}
  listen: [127.0.0.1]
  zones: [ocp.lab.test]
  records:
    - { type: A, name: api.ocp.lab.test, address: 192.168.126.10 }
    - { type: A, name: api-int.ocp.lab.test, address: 192.168.126.10 }
    - { type: A, name: "*.apps.ocp.lab.test", address: 192.168.126.11 }
    - { type: A, name: master-0.ocp.lab.test, address: 192.168.126.21 }
`,
  );
  const ours = start(process.execPath, [join(REPO, 'bin/bmc-emu.js'), 'serve', '-c', join(dir, 'config.yaml')]);
  await waitFor(ours, /dns udp\+tcp/);
  let theirs;
  if (has('dnsmasq')) {
    theirs = start('dnsmasq', [
      '-k',
      '-C',
      '/dev/null',
      '--pid-file=',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      '--listen-address=127.0.0.1',
      `--port=${THEIRS}`,
      '--log-facility=-',
      '--local=/ocp.lab.test/',
      '--host-record=api.ocp.lab.test,api-int.ocp.lab.test,192.168.126.10',
      '--address=/apps.ocp.lab.test/192.168.126.11',
      '--host-record=master-0.ocp.lab.test,192.168.126.21',
    ]);
    await waitFor(theirs, /started, version/);
  } else console.log('dnsmasq missing (apt-get install dnsmasq-base): no comparison row');
  const rows = [];
  // interleaved, twice each, so neither side gets the quieter moment
  for (let round = 0; round < 2; round++) {
    rows.push({ server: 'bmc-emu', ...(await load(OURS)) });
    if (theirs) rows.push({ server: 'dnsmasq 2.90', ...(await load(THEIRS)) });
  }
  console.log(`udp  ${WINDOW} in flight, ${SECONDS} s per run, 127.0.0.1`);
  for (const r of rows)
    console.log(
      `  ${r.server.padEnd(13)} ${String(r.qps).padStart(7)} q/s  p50 ${r.p50} ms  p99 ${r.p99} ms  lost ${r.timeouts}`,
    );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await sleep(300);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
