// The former Redfish router (ordered templates, one regular expression each: "linear") against find-my-way
// (fastify's radix tree, the router now) behind the same app. Two parts, both interleaved so that a busy shared machine colours both alike:
//  1. route lookup alone, in this process: ns per lookup over a mix of paths, 7 rounds, order alternating;
//  2. whole requests: one server child per router (memory driver, plain HTTP, keep-alive), loaded in turn,
//     6 rounds of BENCH_SECONDS each with the order alternating, for GET Systems/<id> (an early route) and
//     Chassis/<id> (the last template the linear router tries); server CPU per request and req/s.
// find-my-way is the service's router since this bench (docs/redfish.md, "Router"); "linear" is the former one.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkServer, serveParent } from './support/child-server.mjs';
import { ADMIN_AUTH } from './support/host.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x, d = 1) => x.toFixed(d);

/** The app with the named router ('linear' or 'find-my-way'); the routes it was given are kept for part 1. */
async function makeApp(kind, stateDir) {
  const { sharedSettings, MemoryDriver, demoNodes, silentLogger } = await import('@bmc-emu/core');
  const { createRedfishApp, findMyWayRouter, linearRouter, redfishSection } = await import('@bmc-emu/redfish');
  const driver = new MemoryDriver({ nodes: demoNodes(3), transitionMs: 0 });
  let routes;
  const app = createRedfishApp({
    driver,
    settings: redfishSection.parse({ tls: false, port: 0 }),
    shared: sharedSettings({ stateDir }),
    logger: silentLogger(),
    router: (r) => {
      routes = r;
      return (kind === 'linear' ? linearRouter : findMyWayRouter)(r);
    },
  });
  const nodes = await driver.list();
  return { app, driver, routes, nodes, linearRouter, findMyWayRouter };
}

async function microBench(stateDir) {
  const { app, driver, routes, nodes, linearRouter, findMyWayRouter } = await makeApp('linear', stateDir);
  const id = nodes[0].id;
  const paths = [
    '/redfish/v1',
    `/redfish/v1/Systems/${id}`,
    `/redfish/v1/Systems/${id}/EthernetInterfaces/nic0`,
    `/redfish/v1/Managers/${id}/VirtualMedia/Cd`,
    `/redfish/v1/Chassis/${id}`,
    '/redfish/v1/NoSuchThing/x',
  ];
  const lookups = { linear: linearRouter(routes), 'find-my-way': findMyWayRouter(routes) };
  // both must agree on every path before their speed means anything
  for (const p of paths) {
    const a = lookups.linear(p);
    const b = lookups['find-my-way'](p);
    if (a?.route !== b?.route || JSON.stringify(a?.params) !== JSON.stringify(b?.params))
      throw new Error(`routers disagree on ${p}`);
  }
  const N = 200_000;
  const times = Object.fromEntries(Object.keys(lookups).map((k) => [k, []]));
  const names = Object.keys(lookups);
  for (let round = 0; round < 7; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      const find = lookups[name];
      let sink = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) sink += find(paths[i % paths.length]) ? 1 : 0;
      const ns = Number(process.hrtime.bigint() - t0) / N;
      if (sink === 0) throw new Error('nothing matched');
      if (round > 0) times[name].push(ns); // round 0 warms the JIT
    }
  }
  console.log(`route lookup alone (${routes.length} routes, mix of ${paths.length} paths, ${N} lookups x 6 rounds):`);
  for (const name of names) {
    const t = times[name];
    console.log(
      `  ${name.padEnd(12)} median ${f(median(t), 0).padStart(5)} ns/lookup   (min ${f(Math.min(...t), 0)}, max ${f(Math.max(...t), 0)})`,
    );
  }
  app.shutdown();
  await driver.close();
  return Object.fromEntries(names.map((n) => [n, median(times[n])]));
}

function startChild(kind, stateDir) {
  return forkServer(fileURLToPath(import.meta.url), ['server', kind, stateDir], { gc: false });
}

const AUTH = ADMIN_AUTH;

async function load(url, concurrency, agent, seconds = SECONDS) {
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const r = request(url, { agent, headers: { Authorization: AUTH } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      r.on('error', reject);
      r.end();
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await one();
        n++;
      }
    }),
  );
  return { n, rps: n / ((performance.now() - t0) / 1000) };
}

async function requestBench(stateDir) {
  const kinds = ['linear', 'find-my-way'];
  const servers = {};
  for (const k of kinds) servers[k] = await startChild(k, join(stateDir, k));
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const results = {};
  for (const target of ['Systems', 'Chassis']) {
    for (const k of kinds) {
      results[`${target} ${k}`] = { cpu: [], rps: [] };
      const url = `${servers[k].url}/${target}/${servers[k].ids[0]}`;
      await load(url, 8, agent, 0.5); // warm-up
    }
    for (let round = 0; round < 6; round++) {
      for (const k of round % 2 ? [...kinds].reverse() : kinds) {
        const s = servers[k];
        const url = `${s.url}/${target}/${s.ids[0]}`;
        const c0 = await s.cpuUs();
        const r = await load(url, 8, agent);
        const cpu = ((await s.cpuUs()) - c0) / r.n;
        results[`${target} ${k}`].cpu.push(cpu);
        results[`${target} ${k}`].rps.push(r.rps);
      }
    }
  }
  agent.destroy();
  console.log(
    `\nwhole requests (memory driver, plain HTTP keep-alive, 8 concurrent, ${SECONDS} s x 6 rounds, order alternating):`,
  );
  console.log('  request           router        server CPU us/req (median, min-max)    req/s (median)');
  for (const [key, r] of Object.entries(results)) {
    const [target, k] = key.split(' ');
    console.log(
      `  GET ${target.padEnd(13)} ${k.padEnd(12)}  ${f(median(r.cpu), 1).padStart(6)}  (${f(Math.min(...r.cpu), 1)}-${f(Math.max(...r.cpu), 1)})${' '.repeat(18)}${f(median(r.rps), 0).padStart(6)}`,
    );
  }
  for (const s of Object.values(servers)) await s.stop();
  return results;
}

async function serverMain(kind, stateDir) {
  const { createServer } = await import('node:http');
  const { app, driver, nodes } = await makeApp(kind, stateDir);
  const server = createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  serveParent({ url: `http://127.0.0.1:${server.address().port}/redfish/v1`, ids: nodes.map((n) => n.id) }, () => {
    server.closeAllConnections();
    server.close();
    app.shutdown();
    return driver.close();
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-bench-router-'));
  try {
    await microBench(join(dir, 'micro'));
    await requestBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'server') await serverMain(process.argv[3], process.argv[4]);
else await main();
