/* global document, window, PerformanceObserver -- the page.evaluate() callbacks run in the browser */
// Console benchmark: the web console's first render with 200 nodes in Debian's headless Chromium (playwright-core,
// no browser download) against a real `bmc-emu serve` (memory driver, TLS on, no IPMI), measured with the page's
// own performance timing: navigation start -> every one of the 200 rack rows in the DOM, plus first contentful
// paint and DOMContentLoaded; median of 5 fresh loads. Then an update burst: all 200 nodes powered on at once
// through the API, time until every row shows On, and the longest main-thread task meanwhile.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const NODES = Number(process.env.BENCH_CONSOLE_NODES ?? 200);
const LOADS = 5;
const CHROMIUM = '/usr/bin/chromium';
const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

if (!existsSync(CHROMIUM)) {
  console.log(`console bench skipped: ${CHROMIUM} missing (apt-get install chromium)`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function api(base, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method: payload ? 'POST' : 'GET',
        agent,
        rejectUnauthorized: false, // loopback, the instance's own self-signed certificate
        headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// keep-alive, as a script driving the API would: the burst measures the console, not 200 TLS handshakes
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const stateDir = mkdtempSync(join(tmpdir(), 'bmcemu-console-bench-'));
const profile = mkdtempSync(join(tmpdir(), 'bmcemu-console-bench-chromium-'));
const port = await freePort();
const serve = spawn(
  process.execPath,
  [
    BIN,
    'serve',
    '--driver',
    'memory',
    '--demo-nodes',
    String(NODES),
    '--no-ipmi',
    '--redfish-port',
    String(port),
    '--state-dir',
    stateDir,
    '--log-level',
    'warn',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
serve.stdout.on('data', (c) => (out += c));
for (let i = 0; i < 400 && !out.includes('redfish '); i++) await new Promise((r) => setTimeout(r, 50));
if (!out.includes('redfish ')) throw new Error(`serve did not start: ${out}`);
const base = `https://127.0.0.1:${port}`;

let context;
try {
  const login = await api(base, '/console/api/login', { userName: 'admin', password: 'password' });
  const token = /bmcemu_console=([0-9a-f]+)/.exec(String(login.headers['set-cookie']))[1];
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    ignoreHTTPSErrors: true,
  });
  await context.addCookies([
    { name: 'bmcemu_console', value: token, url: `${base}/console/`, httpOnly: true, secure: true, sameSite: 'Strict' },
  ]);
  const problems = [];
  const watch = (p) => {
    p.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    p.on('pageerror', (e) => problems.push(e.message));
    return p;
  };

  const rendered = [];
  const fcp = [];
  const dcl = [];
  const nodesApi = [];
  const paints = [];
  let page;
  for (let i = 0; i < LOADS; i++) {
    // a fresh page each time: a real navigation, not a same-document hash change
    await page?.close();
    page = watch(await context.newPage());
    await page.goto(`${base}/console/`, { waitUntil: 'commit' });
    await page.waitForFunction((n) => document.querySelectorAll('table.rack tbody tr').length === n, NODES, {
      polling: 'raf',
      timeout: 30_000,
    });
    const t = await page.evaluate(() => {
      const api = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/console/api/nodes'));
      return {
        rendered: performance.now(),
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        dcl: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? NaN,
        nodesApi: api ? api.responseEnd - api.startTime : NaN,
        // from the API's answer to the full rack in the DOM (marks set by the page itself)
        paint: (() => {
          const a = performance.getEntriesByName('console:nodes-loaded')[0];
          const b = performance.getEntriesByName('console:rack-rendered')[0];
          return a && b ? b.startTime - a.startTime : NaN;
        })(),
      };
    });
    rendered.push(t.rendered);
    fcp.push(t.fcp);
    dcl.push(t.dcl);
    nodesApi.push(t.nodesApi);
    paints.push(t.paint);
  }

  // the update burst: every node powered on at once; the stream brings 400 power events and 200 node snapshots
  await page.evaluate(() => {
    window.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  const { json } = await api(base, '/console/api/nodes', undefined, { Cookie: `bmcemu_console=${token}` });
  const t0 = Date.now();
  await Promise.all(
    json.nodes.map((n) =>
      api(base, `/console/api/nodes/${n.id}/power`, { action: 'On' }, { Cookie: `bmcemu_console=${token}` }),
    ),
  );
  const accepted = Date.now() - t0;
  await page.waitForFunction(
    (n) =>
      [...document.querySelectorAll('table.rack tbody tr .badge')].filter((b) => b.textContent === 'On').length === n,
    NODES,
    { polling: 'raf', timeout: 30_000 },
  );
  const allOn = Date.now() - t0;
  const longest = await page.evaluate(() => window.__longest);

  console.log(
    `console, ${NODES} memory nodes, TLS, Chromium headless, 1280x800, ${LOADS} loads (load average ${loadavg()[0].toFixed(1)} on this 2-core machine):`,
  );
  console.log(
    `  first render (navigation -> all ${NODES} rows in the DOM): median ${median(rendered).toFixed(0)} ms (min ${Math.min(...rendered).toFixed(0)}, max ${Math.max(...rendered).toFixed(0)})`,
  );
  console.log(
    `  first contentful paint: median ${median(fcp).toFixed(0)} ms; DOMContentLoaded: median ${median(dcl).toFixed(0)} ms; GET /console/api/nodes: median ${median(nodesApi).toFixed(0)} ms; API answer -> rack in the DOM: median ${median(paints).toFixed(0)} ms`,
  );
  console.log(
    `  update burst: ${NODES} Power On via the API accepted in ${accepted} ms; every row On after ${allOn} ms; longest main-thread task ${longest.toFixed(0)} ms`,
  );
  if (problems.length) {
    console.log(`  browser problems: ${problems.join(' | ')}`);
    process.exitCode = 1;
  }
} finally {
  await context?.close().catch(() => undefined);
  agent.destroy();
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
