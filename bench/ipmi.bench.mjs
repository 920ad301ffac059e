// IPMI benchmark: ipmitool against bmc-emu's IpmiServer, beside (a) the virtualbmc figures from issue #4 and
// (b) pyghmi's BMC server (what virtualbmc runs, one process per BMC) measured in the same run when
// /usr/bin/python3 has pyghmi. Needs `npm run build` first (imports the built packages) and ipmitool on PATH.
//
//   node bench/ipmi.bench.mjs            runs everything (< 3 min)
//   node bench/ipmi.bench.mjs --serve N  (internal) a server process with N memory nodes
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const VBMC = { p50ms: 34.7, par8PerSec: 51, daemonMB: 50, perBmcMB: [30, 37] };

function startServer(n) {
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--serve', String(n)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  return {
    ready: next(),
    async rss() {
      child.stdin.write('rss\n');
      return (await next()).rss;
    },
    async received() {
      child.stdin.write('stats\n');
      return (await next()).received;
    },
    stop() {
      child.stdin.end();
      return new Promise((r) => child.once('exit', r));
    },
  };
}

function ipmitool(port, suite = '17', cmd = ['chassis', 'power', 'status']) {
  const t0 = performance.now();
  const args = ['-I', 'lanplus', '-C', suite, '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-P', 'password'];
  return new Promise((resolve) => {
    execFile(
      'ipmitool',
      [...args, '-L', 'ADMINISTRATOR', '-R', '1', '-N', '5', ...cmd],
      { timeout: 30_000 },
      (err, stdout) => {
        resolve({ ok: !err && /Chassis Power is/.test(stdout), ms: performance.now() - t0 });
      },
    );
  });
}

const PYGHMI_BMC = `
import sys
import pyghmi.ipmi.bmc as bmc
class B(bmc.Bmc):
    def get_power_state(self):
        return 'off'
b = B({'admin': 'password'}, port=int(sys.argv[1]), address='::ffff:127.0.0.1')
print('ready', flush=True)
b.listen()
`;

async function freeUdpPort() {
  const s = createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** `count` pyghmi BMC processes (suite 3 only, like virtualbmc), or undefined without pyghmi. */
async function startPyghmi(count) {
  const procs = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freeUdpPort();
      const child = spawn('/usr/bin/python3', ['-c', PYGHMI_BMC, String(port)], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      procs.push({ child, port });
      const ok = await new Promise((resolve) => {
        child.once('error', () => resolve(false));
        child.once('exit', () => resolve(false));
        createInterface({ input: child.stdout }).once('line', (l) => resolve(l === 'ready'));
      });
      if (!ok) throw new Error('pyghmi BMC did not start');
    }
  } catch {
    for (const p of procs) p.child.kill();
    return undefined;
  }
  const { readFileSync } = await import('node:fs');
  return {
    ports: procs.map((p) => p.port),
    rssPer: () =>
      procs.map(
        (p) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
      ),
    stop: () =>
      Promise.all(
        procs.map(
          (p) =>
            new Promise((r) => {
              p.child.once('exit', r);
              p.child.kill();
            }),
        ),
      ),
  };
}

async function latency(label, ports, suite) {
  await ipmitool(ports[0], suite); // warm-up
  const seq = [];
  for (let i = 0; i < 30; i++) seq.push((await ipmitool(ports[i % ports.length], suite)).ms);
  const out = { p50: pct(seq, 50), p95: pct(seq, 95) };
  for (const width of [8, 32]) {
    const jobs = Array.from({ length: width * 5 }, (_, i) => () => ipmitool(ports[i % ports.length], suite));
    const { results, secs } = await pool(jobs, width);
    out[width] = { rate: results.length / secs, fails: results.filter((r) => !r.ok).length, n: results.length };
  }
  console.log(
    `${label.padEnd(34)} sequential p50 ${out.p50.toFixed(1)} ms (p95 ${out.p95.toFixed(1)}), 8 parallel ${out[8].rate.toFixed(0)}/s (${out[8].fails}/${out[8].n} failed), 32 parallel ${out[32].rate.toFixed(0)}/s (${out[32].fails}/${out[32].n} failed)`,
  );
  return out;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const mb = (b) => (b / 1024 / 1024).toFixed(1);

async function pool(jobs, width) {
  const results = [];
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < jobs.length) {
        const job = jobs[i++];
        results.push(await job());
      }
    }),
  );
  return { results, secs: (performance.now() - t0) / 1000 };
}

/** One full RMCP+ exchange from our own codecs: Open Session, RAKP 1-4, Get Chassis Status, Close Session. */
async function rawExchange(ipmi, port) {
  const sock = createSocket('udp4');
  const queue = [];
  let waiter;
  sock.on('message', (m) => {
    if (!waiter) return queue.push(m);
    const w = waiter;
    waiter = undefined;
    w(m);
  });
  const ask = (buf) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout')), 2000);
      waiter = (m) => {
        clearTimeout(t);
        resolve(m);
      };
      sock.send(buf, port, '127.0.0.1');
    });
  const suite = ipmi.SUITE_17;
  const plain = (type, payload) =>
    ipmi.encodeRmcp(7, ipmi.encodeRmcpPlus({ payloadType: type, sessionId: 0, sequence: 0, payload }));
  const body = (m) => ipmi.decodeRmcpPlus(ipmi.decodeRmcp(m).body, () => 0).payload;
  try {
    const consoleSessionId = randomBytes(4).readUInt32LE(0) | 1;
    const osr = ipmi.decodeOpenSessionResponse(
      body(
        await ask(
          plain(
            0x10,
            ipmi.encodeOpenSessionRequest({
              tag: 1,
              maxPrivilege: 4,
              consoleSessionId,
              auth: 3,
              integrity: 4,
              confidentiality: 1,
            }),
          ),
        ),
      ),
    );
    const user = Buffer.from('admin');
    const rm = randomBytes(16);
    const r2 = ipmi.decodeRakp2(
      body(
        await ask(
          plain(
            0x12,
            ipmi.encodeRakp1({ tag: 2, bmcSessionId: osr.bmcSessionId, consoleRandom: rm, role: 0x14, userName: user }),
          ),
        ),
      ),
      32,
    );
    const ctx = {
      suite,
      consoleSessionId,
      bmcSessionId: osr.bmcSessionId,
      consoleRandom: rm,
      bmcRandom: r2.bmcRandom,
      bmcGuid: r2.bmcGuid,
      role: 0x14,
      userName: user,
    };
    const kuid = ipmi.userKey('password');
    const r4 = ipmi.decodeRakp4(
      body(
        await ask(
          plain(
            0x14,
            ipmi.encodeRakp3({
              tag: 3,
              status: 0,
              bmcSessionId: osr.bmcSessionId,
              authCode: ipmi.rakp3AuthCode(ctx, kuid),
            }),
          ),
        ),
      ),
    );
    if (r4.status !== 0) throw new Error(`rakp4 ${r4.status}`);
    const keys = ipmi.deriveKeys(suite, ipmi.sessionIntegrityKey(ctx, kuid));
    let seq = 1;
    const send = async (netFn, cmd, data) => {
      const msg = ipmi.encodeRequest({
        rsAddr: 0x20,
        netFn,
        rsLun: 0,
        rqAddr: 0x81,
        rqSeq: seq,
        rqLun: 0,
        cmd,
        data: Buffer.from(data),
      });
      const wire = ipmi.encodeRmcp(
        7,
        ipmi.encodeRmcpPlus({
          payloadType: 0,
          sessionId: osr.bmcSessionId,
          sequence: seq++,
          encrypted: true,
          payload: ipmi.encryptPayload(keys, msg),
          sign: (s) => ipmi.integrityCode(suite, keys, s),
        }),
      );
      const f = ipmi.decodeRmcpPlus(ipmi.decodeRmcp(await ask(wire)).body, () => suite.icvLength);
      return ipmi.decodeResponse(ipmi.decryptPayload(keys, f.payload));
    };
    await send(6, 0x3b, [4]);
    const st = await send(0, 0x01, []);
    const id = Buffer.alloc(4);
    id.writeUInt32LE(osr.bmcSessionId);
    await send(6, 0x3c, [...id]);
    return st.completionCode === 0;
  } finally {
    sock.close();
  }
}

async function main() {
  // the wire codecs are not part of the package's exports: the bench reads them from its build
  const ipmi = { ...(await import('@bmc-emu/ipmi')), ...(await import('../packages/ipmi/dist/codec/index.js')) };
  const deadline = Date.now() + 170_000;
  console.log('ipmi bench: ipmitool -I lanplus -C 17 chassis power status against bmc-emu (memory driver)');
  console.log(
    `virtualbmc on this machine (issue #4): p50 ${VBMC.p50ms} ms, ${VBMC.par8PerSec}/s at 8 parallel, RSS ~${VBMC.daemonMB} MB + ${VBMC.perBmcMB.join('-')} MB per BMC\n`,
  );

  const floor = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await new Promise((r) => execFile('ipmitool', ['-V'], () => r()));
    floor.push(performance.now() - t0);
  }
  console.log(
    `machine: load average ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; \`ipmitool -V\` alone (process start, no network): p50 ${pct(floor, 50).toFixed(1)} ms`,
  );

  const s10 = startServer(10);
  const { ports } = await s10.ready;
  const ours17 = await latency('bmc-emu -C 17', ports, '17');
  const ours3 = await latency('bmc-emu -C 3', ports, '3');
  const py = await startPyghmi(8);
  if (py) {
    const base = await latency('pyghmi BMC (vbmc server) -C 3', py.ports, '3');
    const rss = py.rssPer();
    console.log(
      `same run, suite 3: sequential ${(base.p50 / ours3.p50).toFixed(2)}x pyghmi's speed, 8 parallel ${(ours3[8].rate / base[8].rate).toFixed(2)}x, 32 parallel ${(ours3[32].rate / base[32].rate).toFixed(2)}x; pyghmi RSS ${mb(rss.reduce((a, b) => a + b, 0) / rss.length)} MB per BMC process`,
    );
    await py.stop();
  } else {
    console.log('pyghmi not importable by /usr/bin/python3: no same-run baseline');
  }
  console.log(
    `vs the issue's vbmc figures: sequential p50 ${VBMC.p50ms} ms -> ours ${ours17.p50.toFixed(1)} ms (-C 17); 8 parallel ${VBMC.par8PerSec}/s -> ours ${ours17[8].rate.toFixed(0)}/s`,
  );

  const raw = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    if (!(await rawExchange(ipmi, ports[i % ports.length]))) throw new Error('raw exchange failed');
    raw.push(performance.now() - t0);
  }
  console.log(
    `handshake + command without ipmitool (Open Session, RAKP1-4, Set Priv, Get Chassis Status, Close; 300 runs over loopback): p50 ${pct(raw, 50).toFixed(2)} ms, p95 ${pct(raw, 95).toFixed(2)} ms`,
  );
  console.log(`RSS with 10 endpoints: ${mb(await s10.rss())} MB`);
  await s10.stop();

  for (const n of [100, 1000]) {
    if (Date.now() > deadline) break;
    const srv = startServer(n);
    const ready = await srv.ready;
    const idle = await srv.rss();
    const t0 = performance.now();
    let ok = 0;
    for (let i = 0; i < n; i++) if (await rawExchange(ipmi, ready.ports[i])) ok++;
    const touched = await srv.rss();
    console.log(
      `RSS with ${n} endpoints: ${mb(idle)} MB at start, ${mb(touched)} MB after one session on each (${ok}/${n} ok, ${((performance.now() - t0) / 1000).toFixed(1)} s)  | vbmc would need ~${((VBMC.daemonMB + n * 33) / 1024).toFixed(1)} GB`,
    );
    if (n === 100) {
      const before = await srv.received();
      const { results, secs } = await pool(
        ready.ports.map((p) => () => ipmitool(p)),
        100,
      );
      const fails = results.filter((r) => !r.ok).length;
      // one `chassis power status` is 11 datagrams from ipmitool (fixtures/ipmi); more means it retransmitted
      const perCall = ((await srv.received()) - before) / results.length;
      console.log(
        `100 BMCs polled at once by 100 ipmitool processes: ${results.length - fails}/100 ok, ${fails} failures, ${perCall.toFixed(2)} datagrams per call (11 = no retransmission), all done in ${secs.toFixed(2)} s, slowest ${Math.max(...results.map((r) => r.ms)).toFixed(0)} ms`,
      );
    }
    await srv.stop();
  }
}
async function serve() {
  const { MemoryDriver, demoNodes } = await import('@bmc-emu/core');
  const { IpmiServer } = await import('@bmc-emu/ipmi');
  const n = Number(process.argv[3]);
  const driver = new MemoryDriver({ nodes: demoNodes(n), transitionMs: 50 });
  const server = new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'password', maxSessionsPerBmc: 32 });
  const eps = await server.start();
  globalThis.gc?.();
  console.log(JSON.stringify({ ports: eps.map((e) => e.port), rss: process.memoryUsage().rss }));
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l === 'rss') {
      globalThis.gc?.();
      console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
    } else if (l === 'stats') {
      const received = eps.reduce((a, e) => a + server.endpointFor(e.nodeId).stats.received, 0);
      console.log(JSON.stringify({ received }));
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

if (process.argv[2] === '--serve') await serve();
else await main();
