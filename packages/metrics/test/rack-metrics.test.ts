import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoNodes, EventBus, MemoryDriver } from '@bmc-emu/core';
import fc from 'fast-check';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { addNodeGauges, instrumentDriver, RackMetrics, routeLabel, serveMetrics } from '../src/index.js';
import { command, requirePeers } from '../../../test/support/peers.js';

const tick = () => new Promise((r) => setImmediate(r));
const open: RackMetrics[] = [];
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

function setup() {
  const bus = new EventBus();
  const metrics = new RackMetrics({ bus, processMetrics: false });
  open.push(metrics);
  return { bus, metrics };
}

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }>;
}
async function families(metrics: RackMetrics): Promise<Map<string, Family>> {
  const parsed = parsePrometheusTextFormat(await metrics.scrape()) as Family[];
  return new Map(parsed.map((f) => [f.name, f]));
}
/** parse-prometheus-text-format drops labels and _count of labelled histograms, so read those lines directly. */
async function histogramCount(metrics: RackMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of (await metrics.scrape()).split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m?.[1] === `${name}_count` && want.every((w) => m[2]!.split(',').includes(w))) return Number(m[3]);
  }
  return NaN;
}
function valueOf(f: Family | undefined, labels: Record<string, string> = {}): number {
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m ? Number(m.value ?? m.count) : NaN;
}

describe('RackMetrics', () => {
  it('counts events by their labels, exactly', async () => {
    const { bus, metrics } = setup();
    for (let i = 0; i < 3; i++) {
      bus.publish({ kind: 'redfish', method: 'GET', path: `/redfish/v1/Systems/node-${i}`, status: 200, ms: 4 });
    }
    bus.publish({ kind: 'redfish', method: 'POST', path: '/redfish/v1/SessionService/Sessions', status: 401, ms: 1 });
    bus.publish({ kind: 'ipmi', netFn: 0, cmd: 1, cc: 0, session: '2.0', node: 'n1' });
    bus.publish({ kind: 'ipmi', netFn: 0, cmd: 1, cc: 0, session: '2.0', node: 'n1' });
    bus.publish({ kind: 'dhcp', message: 'ACK', mac: '52:54:00:00:00:01', ip: '10.0.0.5' });
    bus.publish({ kind: 'tftp', file: 'undionly.kpxe', bytes: 70_000, ms: 120, peer: '10.0.0.5' });
    bus.publish({ kind: 'tftp', file: 'nope', bytes: 0, ms: 1, error: 'File not found', peer: '10.0.0.5' });
    bus.publish({ kind: 'http', path: '/boot.ipxe', status: 200, bytes: 512, ms: 2, peer: '10.0.0.5' });
    bus.publish({ kind: 'media-download', url: 'http://x/a.iso', bytes: 10, total: 100, done: false });
    bus.publish({ kind: 'media-download', url: 'http://x/a.iso', bytes: 100, total: 100, done: true });
    bus.publish({ kind: 'power', node: 'n1', state: 'On' });
    await tick();
    const f = await families(metrics);
    const rf = f.get('bmcemu_redfish_requests_total');
    expect(valueOf(rf, { method: 'GET', route: '/redfish/v1/Systems/{id}', status: '200' })).toBe(3);
    expect(valueOf(rf, { method: 'POST', route: '/redfish/v1/SessionService/Sessions', status: '401' })).toBe(1);
    expect(rf?.metrics).toHaveLength(2);
    expect(valueOf(f.get('bmcemu_ipmi_commands_total'), { netfn: '0x00', cmd: '0x01', cc: '0x00' })).toBe(2);
    expect(valueOf(f.get('bmcemu_dhcp_messages_total'), { message: 'ACK' })).toBe(1);
    expect(valueOf(f.get('bmcemu_tftp_transfers_total'), { result: 'ok' })).toBe(1);
    expect(valueOf(f.get('bmcemu_tftp_transfers_total'), { result: 'error' })).toBe(1);
    expect(valueOf(f.get('bmcemu_tftp_sent_bytes_total'))).toBe(70_000);
    expect(valueOf(f.get('bmcemu_http_sent_bytes_total'))).toBe(512);
    expect(valueOf(f.get('bmcemu_media_downloads_total'), { result: 'ok' })).toBe(1);
    expect(valueOf(f.get('bmcemu_media_download_bytes_total'))).toBe(100);
    expect(valueOf(f.get('bmcemu_power_changes_total'), { state: 'On' })).toBe(1);
    expect(valueOf(f.get('bmcemu_events_published'), { kind: 'redfish' })).toBe(4);
    expect(await histogramCount(metrics, 'bmcemu_redfish_request_duration_seconds', { method: 'GET' })).toBe(3);
  });

  it('times driver operations and counts their failures by error code', async () => {
    const { bus, metrics } = setup();
    const mem = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 1 });
    const driver = instrumentDriver(mem, { metrics, events: bus });
    addNodeGauges(metrics, driver);
    const [n0] = await driver.list();
    await driver.power(n0!.id, 'On');
    await expect(driver.get('no-such-node')).rejects.toThrow();
    await tick();
    const f = await families(metrics);
    expect(f.get('bmcemu_driver_operation_duration_seconds')?.type).toBe('HISTOGRAM');
    const ops = (labels: Record<string, string>) =>
      histogramCount(metrics, 'bmcemu_driver_operation_duration_seconds', labels);
    expect(await ops({ op: 'power', result: 'ok' })).toBe(1);
    expect(await ops({ op: 'get', result: 'error' })).toBe(1);
    expect(valueOf(f.get('bmcemu_driver_errors_total'), { op: 'get', code: 'BMCEMU_NODE_NOT_FOUND' })).toBe(1);
    expect(f.get('bmcemu_node_power_on')?.metrics).toHaveLength(2);
    expect(valueOf(f.get('bmcemu_node_power_on'), { node: n0!.id })).toBe(1);
    await driver.close();
  });

  it('serves /metrics over HTTP and leaves other paths to the listener', async () => {
    const { bus, metrics } = setup();
    bus.publish({ kind: 'dhcp', message: 'NAK', mac: '52:54:00:00:00:02' });
    await tick();
    const server = createServer((req, res) => {
      if (!serveMetrics(metrics, req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await ok.text()).toMatch(/^bmcemu_dhcp_messages_total\{message="NAK"\} 1$/m);
      expect((await fetch(`${base}/other`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      server.close();
    }
  });

  it('a subscriber burst larger than the default queue does not drop the metrics reader', async () => {
    const { bus, metrics } = setup();
    for (let i = 0; i < 5_000; i++) bus.publish({ kind: 'dhcp', message: 'DISCOVER', mac: '52:54:00:00:00:03' });
    await tick();
    expect(valueOf((await families(metrics)).get('bmcemu_dhcp_messages_total'), { message: 'DISCOVER' })).toBe(5_000);
    expect(bus.stats().droppedSubscribers).toBe(0);
  });
});

describe('routeLabel', () => {
  it('folds member ids so the label set stays bounded', () => {
    expect(routeLabel('/redfish/v1/Systems/abc/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia')).toBe(
      '/redfish/v1/Systems/{id}/VirtualMedia/{id}/Actions/VirtualMedia.InsertMedia',
    );
    expect(routeLabel('/redfish/v1/$metadata?x=1')).toBe('/redfish/v1/$metadata');
    expect(routeLabel('/console/app.js')).toBe('/console');
    expect(routeLabel('/etc/passwd')).toBe('other');
  });
  it('never yields more than a bounded set of labels from arbitrary ids (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1 }).filter((s) => !s.includes('/') && !s.includes('?')),
          { maxLength: 4 },
        ),
        (ids) => {
          const path = `/redfish/v1/Systems/${ids.join('/VirtualMedia/')}`;
          const label = routeLabel(path);
          for (const id of ids)
            if (id !== '$metadata' && id !== 'VirtualMedia') expect(label.split('/')).not.toContain(id);
        },
      ),
    );
  });
});

const promtool = requirePeers('Prometheus promtool', [command('promtool', 'prometheus')]);
promtool.describe('promtool check metrics', () => {
  it('finds no naming or format problem in a full scrape', async () => {
    const bus = new EventBus();
    const metrics = new RackMetrics({ bus });
    open.push(metrics);
    const driver = instrumentDriver(new MemoryDriver({ nodes: demoNodes(3) }), { metrics, events: bus });
    addNodeGauges(metrics, driver);
    await driver.list();
    bus.publish({ kind: 'redfish', method: 'GET', path: '/redfish/v1', status: 200, ms: 1 });
    bus.publish({ kind: 'ipmi', netFn: 6, cmd: 0x38, cc: 0, session: 'none' });
    bus.publish({ kind: 'tftp', file: 'a', bytes: 1, ms: 1, peer: 'p' });
    await tick();
    const text = await metrics.scrape();
    // promtool exits non-zero and names the metric when a rule is broken (e.g. a counter without _total).
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out.trim()).toBe('');
    await driver.close();
  });
});

describe('RackMetrics per-request cells', () => {
  it('count each Redfish and IPMI series exactly, for any mix of methods, statuses and codes, across a reset (fast-check)', async () => {
    const redfish = fc.record({
      kind: fc.constant('redfish' as const),
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PROPFIND'),
      path: fc.constantFrom('/redfish/v1/Systems/a', '/redfish/v1/Systems/b', '/redfish/v1'),
      status: fc.constantFrom(200, 201, 401, 404, 599),
      ms: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    const ipmi = fc.record({
      kind: fc.constant('ipmi' as const),
      netFn: fc.constantFrom(0, 6, 0x2c, 300),
      cmd: fc.constantFrom(1, 0x38, 0xff),
      cc: fc.constantFrom(0, 0xc1),
      session: fc.constantFrom('none' as const, '1.5' as const, '2.0' as const),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(redfish, ipmi), { maxLength: 60 }), fc.nat(60), async (events, cut) => {
        const { bus, metrics } = setup();
        const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
        const model = new Map<string, number>();
        for (const [i, e] of events.entries()) {
          if (i === cut) {
            await tick(); // what came before is counted, then forgotten
            metrics.registry.resetMetrics();
            model.clear();
          }
          bus.publish({ ...e });
          const key =
            e.kind === 'redfish'
              ? `r ${e.method} ${routeLabel(e.path)} ${e.status}`
              : `i ${hex(e.netFn)} ${hex(e.cmd)} ${hex(e.cc)} ${e.session}`;
          model.set(key, (model.get(key) ?? 0) + 1);
        }
        await tick();
        const f = await families(metrics);
        const seen = new Map<string, number>();
        for (const m of f.get('bmcemu_redfish_requests_total')?.metrics ?? [])
          seen.set(`r ${m.labels!.method} ${m.labels!.route} ${m.labels!.status}`, Number(m.value));
        for (const m of f.get('bmcemu_ipmi_commands_total')?.metrics ?? [])
          seen.set(`i ${m.labels!.netfn} ${m.labels!.cmd} ${m.labels!.cc} ${m.labels!.session}`, Number(m.value));
        expect(seen).toEqual(model);
        metrics.close();
      }),
      { numRuns: 60 },
    );
  });
});
