// Event-stream benchmark (issue #13): what publishing costs the protocol paths, and the /metrics scrape.
// Three servers run side by side in one process (BENCH_PROCESSES=separate: one process each): one with the rack
// EventBus and its subscribers (RackMetrics and a reader encoding each event as JSON as the console's stream does,
// with eventJson) wired into Redfish and IPMI, one with a bus
// nobody reads, one with no bus; the client alternates rounds between them (A B C, C B A, ...) so machine noise hits
// all alike, and reads the server's CPU time around each round (a steadier figure than wall time on a busy host). Then the scrape time of /metrics for
// 1,000 memory nodes. The paths timed are the cheapest there are (keep-alive Redfish on the memory driver, a
// sessionless IPMI command), so the same absolute cost is the largest share here. Needs `npx tsc -b` first (imports the built packages).
//
//   node bench/events.bench.mjs           runs everything (~1 min); the overhead figures are the median of each
//                                         round's ratio to the no-bus server (pairing takes out load that hits a round)
//   BENCH_BEFORE=<dir> node bench/events.bench.mjs
//                                         adds a server whose bus, RackMetrics and JSON reader (JSON.stringify) are
//                                         the build in <dir>: a checkout of an older commit (git archive <commit> |
//                                         tar -x -C <dir>; node_modules linked in) after `npx tsc -b packages/core
//                                         packages/metrics` there, for a before/after comparison in the same run
//   BENCH_MODES=none,bare,noop,metrics,json,native,serve,bus,before
//                                         which servers (default none,bare,serve,bus[,before]): noop = a reader doing
//                                         nothing (delivery alone), metrics / json = one reader alone, native = the
//                                         realistic pair with a JSON.stringify reader instead of eventJson, serve =
//                                         serve's own wiring with nobody watching (RackMetrics + 3 filtered readers)
//   BENCH_ONLY=redfish|ipmi, BENCH_ROUNDS (20), BENCH_PER_ROUND (300)
//   node bench/events.bench.mjs --serve M,... (internal) the servers of one process
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 300);
const AUTH = `Basic ${Buffer.from('admin:password').toString('base64')}`;
// IPMI 1.5 sessionless Get Channel Authentication Capabilities (netFn App, cmd 0x38): no handshake, so the
// per-command cost is what moves
const GET_CHANNEL_AUTH = Buffer.from([
  0x06, 0x00, 0xff, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x09, 0x20, 0x18, 0xc8, 0x81, 0x04, 0x38, 0x0e, 0x04, 0x31,
]);

/** One process serving every mode in `modes` (comma-separated) on its own ports, each with its own driver and bus. */
async function serve(modes) {
  const { EventBus, MemoryDriver, demoNodes, eventJson, sharedSettings, silentLogger } = await import('@bmc-emu/core');
  const { createRedfishApp, redfishSection } = await import('@bmc-emu/redfish');
  const { IpmiServer } = await import('@bmc-emu/ipmi');
  const current = { ...(await import('@bmc-emu/metrics')), EventBus, eventJson };
  const before = process.env.BENCH_BEFORE
    ? {
        ...(await import(pathToFileURL(join(process.env.BENCH_BEFORE, 'packages/metrics/dist/index.js')).href)),
        ...(await import(pathToFileURL(join(process.env.BENCH_BEFORE, 'packages/core/dist/index.js')).href)),
        // the console's stream encoded each event with JSON.stringify before eventJson existed
        eventJson: (e) => JSON.stringify(e),
      }
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-events-bench-'));
  const running = [];
  const hello = [];
  for (const mode of modes.split(',')) {
    const driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 10 });
    const build = mode === 'before' ? before : current;
    const bus = mode === 'none' ? undefined : new build.EventBus(mode === 'tiny' ? { perNode: 1, global: 1 } : {});
    if (mode === 'bus' || mode === 'before' || mode === 'native' || mode === 'metrics' || mode === 'serve') {
      new build.RackMetrics({ bus, processMetrics: false });
    }
    // the JSON reader stands for the console's event stream: it encodes each event as that does (eventJson)
    let chars = 0;
    if (mode === 'bus' || mode === 'before' || mode === 'json')
      bus.subscribe((e) => void (chars += build.eventJson(e).length));
    if (mode === 'native') bus.subscribe((e) => void (chars += JSON.stringify(e).length));
    if (mode === 'noop') bus.subscribe(() => undefined);
    // what `bmc-emu serve` wires when no browser or Redfish SSE client reads the stream: RackMetrics (above) and
    // three filtered readers (PeerNodes and the console's leases on dhcp, the TTY view on media downloads)
    if (mode === 'serve') {
      const dhcp = { filter: (e) => e.kind === 'dhcp', maxQueue: 100_000 };
      bus.subscribe((e) => void (chars += e.seq), dhcp);
      bus.subscribe((e) => void (chars += e.seq), dhcp);
      bus.subscribe((e) => void (chars += e.seq), { filter: (e) => e.kind === 'media-download', maxQueue: 100_000 });
    }
    const app = createRedfishApp({
      driver,
      settings: redfishSection.parse({ tls: false, port: 0 }),
      shared: sharedSettings({ stateDir: join(dir, mode, 'state') }),
      logger: silentLogger(),
      ...(bus ? { bus } : {}),
    });
    const http = createServer(app);
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    const ipmi = new IpmiServer({
      driver,
      basePort: 0,
      bind: '127.0.0.1',
      user: 'admin',
      password: 'password',
      ...(bus ? { events: bus } : {}),
    });
    const eps = await ipmi.start();
    const node = (await driver.list())[0];
    running.push({ ipmi, http, app });
    hello.push({ mode, http: http.address().port, ipmi: eps[0].port, node: node.id });
  }
  process.send({ servers: hello });
  process.on('message', async (msg) => {
    if (msg === 'cpu') return process.send({ cpu: process.cpuUsage() });
    for (const r of running) {
      await r.ipmi.stop();
      r.http.close();
      r.app.shutdown();
    }
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** Forks one server process for `modes`; resolves to one handle per mode (sharing the process's CPU clock). */
function start(modes) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', modes.join(',')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // the process's own CPU time (µs, user + system): what publishing costs it, whatever else the machine runs
  const cpu = () =>
    new Promise((r) => {
      child.once('message', (m) => r(m.cpu.user + m.cpu.system));
      child.send('cpu');
    });
  return new Promise((resolve, reject) => {
    child.once('message', ({ servers }) =>
      resolve(servers.map((s, i) => ({ ...s, cpu, stop: () => i === 0 && child.send('stop') }))),
    );
    child.once('exit', (c) => reject(new Error(`${modes.join(',')} server exited ${c}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(port, path) {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, agent, headers: { Authorization: AUTH } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    r.on('error', reject);
    r.end();
  });
}

async function redfishRound(s) {
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) await get(s.http, `/redfish/v1/Systems/${s.node}`);
  return (performance.now() - t0) / PER_ROUND;
}

async function ipmiRound(s, sock) {
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('ipmi timeout')), 2000);
      sock.once('message', () => {
        clearTimeout(t);
        resolve();
      });
      sock.send(GET_CHANNEL_AUTH, s.ipmi, '127.0.0.1');
    });
  }
  return (performance.now() - t0) / PER_ROUND;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function overhead(label, servers, round) {
  const wall = Object.fromEntries(servers.map((s) => [s.mode, []]));
  const cpu = Object.fromEntries(servers.map((s) => [s.mode, []]));
  for (const s of servers) await round(s); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    // interleaved: each mode runs once per round, in alternating order
    for (const s of order) {
      const c0 = await s.cpu();
      wall[s.mode].push(await round(s));
      cpu[s.mode].push(((await s.cpu()) - c0) / PER_ROUND);
    }
  }
  const names = {
    none: 'no bus',
    bare: 'bus, no reader',
    bus: 'bus + RackMetrics + JSON reader',
    before: 'the same, BENCH_BEFORE build',
    native: 'bus + RackMetrics + JSON.stringify reader',
    noop: 'bus + a reader doing nothing',
    tiny: 'bus keeping 1 event, no reader',
    metrics: 'bus + RackMetrics',
    json: 'bus + JSON reader',
    serve: "serve's wiring, nobody watching (RackMetrics + 3 filtered readers)",
  };
  // the overhead is the median of each round's own ratio to the no-bus server: rounds a burst of machine load
  // hits are slow for every mode alike, so pairing within the round takes most of that noise out
  const ratio = (xs, m) => median(xs[m].map((x, r) => x / xs.none[r]));
  const line = (what, xs, unit, digits) => {
    const pct = (m) => (!xs.none?.length || m === 'none' ? '' : ` (${((ratio(xs, m) - 1) * 100).toFixed(1)}%)`);
    const v = (m) => `${names[m]} ${median(xs[m]).toFixed(digits)} ${unit}${pct(m)}`;
    return `  ${what}: ${servers.map((s) => v(s.mode)).join('; ')}`;
  };
  console.log(
    `${label}, ${ROUNDS} interleaved rounds of ${PER_ROUND}, medians (overhead: median of per-round ratios to no bus):`,
  );
  console.log(line('server CPU per request', cpu, 'µs', 1));
  console.log(line('wall time per request', wall, 'ms', 3));
}

async function scrapeTime() {
  const { EventBus, MemoryDriver, demoNodes } = await import('@bmc-emu/core');
  const { RackMetrics, addNodeGauges } = await import('@bmc-emu/metrics');
  const bus = new EventBus();
  const driver = new MemoryDriver({ nodes: demoNodes(1000), transitionMs: 10 });
  const metrics = new RackMetrics({ bus });
  addNodeGauges(metrics, driver);
  const nodes = await driver.list();
  for (const n of nodes) {
    bus.publish({
      kind: 'redfish',
      node: n.id,
      method: 'GET',
      path: `/redfish/v1/Systems/${n.id}`,
      status: 200,
      ms: 1,
    });
    bus.publish({ kind: 'ipmi', node: n.id, netFn: 0, cmd: 1, cc: 0, session: '2.0' });
  }
  await new Promise((r) => setImmediate(r));
  const runs = [];
  let bytes = 0;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    bytes = (await metrics.scrape()).length;
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  console.log(
    `/metrics with 1,000 nodes: scrape p50 ${median(runs).toFixed(1)} ms, max ${runs.at(-1).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB (30 scrapes, in process)`,
  );
  metrics.close();
  await driver.close();
}

async function main() {
  const modes = process.env.BENCH_MODES?.split(',') ?? [
    'none',
    'bare',
    'serve',
    'bus',
    ...(process.env.BENCH_BEFORE ? ['before'] : []),
  ];
  // default: every mode in one process, so core placement and JIT state (which moved results between runs by
  // more than the effect measured) are the same for all; BENCH_PROCESSES=separate gives each its own
  const servers =
    process.env.BENCH_PROCESSES === 'separate'
      ? (await Promise.all(modes.map((m) => start([m])))).flat()
      : await start(modes);
  try {
    const only = process.env.BENCH_ONLY; // redfish | ipmi
    if (only !== 'ipmi') await overhead('redfish GET /Systems/<id> (keep-alive, sequential)', servers, redfishRound);
    if (only !== 'redfish') {
      const sock = createSocket('udp4');
      await new Promise((r) => sock.bind(0, '127.0.0.1', r));
      await overhead('ipmi Get Channel Auth Capabilities (sessionless, sequential)', servers, (s) =>
        ipmiRound(s, sock),
      );
      sock.close();
    }
  } finally {
    for (const s of servers) s.stop();
    agent.destroy();
  }
  if (!process.env.BENCH_ONLY) await scrapeTime();
}

if (process.argv[2] === '--serve') await serve(process.argv[3]);
else await main();
