// Per-event cost of the readers, in process (issue #13 publishing overhead): publish Redfish- and IPMI-shaped
// events in bursts, let the bus deliver, time it with no subscriber, with RackMetrics, with RackMetrics and a
// JSON-encoding reader. Run after `npx tsc -b`:  node bench/support/events-micro.mjs
const { EventBus } = await import('@bmc-emu/core');
const { RackMetrics } = await import('@bmc-emu/metrics');

const N = Number(process.env.MICRO_EVENTS ?? 200_000);
const BURST = Number(process.env.MICRO_BURST ?? 50);
const ids = Array.from({ length: 8 }, (_, i) => `6695eb01-f6a4-8304-79aa-97f2502e19${String(i).padStart(2, '0')}`);
const turn = () => new Promise((r) => setImmediate(r));

async function run(mode) {
  const bus = new EventBus();
  let metrics;
  let chars = 0;
  if (mode !== 'bus') metrics = new RackMetrics({ bus, processMetrics: false });
  if (mode === 'metrics+json') bus.subscribe((e) => void (chars += JSON.stringify(e).length));
  const t0 = performance.now();
  for (let i = 0; i < N; i += BURST) {
    for (let j = 0; j < BURST; j++) {
      const node = ids[(i + j) & 7];
      bus.publish({
        kind: 'redfish',
        node,
        method: 'GET',
        path: `/redfish/v1/Systems/${node}`,
        status: 200,
        ms: 0.12,
        user: 'admin',
      });
    }
    await turn();
  }
  const us = ((performance.now() - t0) * 1000) / N;
  metrics?.close();
  return us;
}

const modes = ['bus', 'metrics', 'metrics+json'];
const out = Object.fromEntries(modes.map((m) => [m, []]));
for (let r = 0; r < 5; r++) for (const m of r % 2 ? [...modes].reverse() : modes) out[m].push(await run(m));
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const m of modes) console.log(`${m}: ${med(out[m]).toFixed(2)} us per Redfish event (median of 5, ${N} events)`);
