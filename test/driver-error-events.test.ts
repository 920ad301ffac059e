/**
 * A failed driver operation is published as a `driver-error` event (node, operation, code, message) and
 * counted in `bmcemu_driver_errors_total{op,code}`: an illegal power transition on the memory driver, and a
 * refusal of libvirt's built-in `test:///default` hypervisor (real virsh).
 */
import { demoNodes, EventBus, MemoryDriver, type NodeDriver, type RackEvent } from '@bmc-emu/core';
import { createLibvirtDriver } from '@bmc-emu/libvirt';
import { instrumentDriver, RackMetrics } from '@bmc-emu/metrics';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { command, requirePeers } from './support/peers.js';

type DriverError = Extract<RackEvent, { kind: 'driver-error' }>;
const tick = () => new Promise((r) => setImmediate(r));
const closing: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c();
});

function wired<D extends NodeDriver>(inner: D) {
  const bus = new EventBus();
  const metrics = new RackMetrics({ bus, processMetrics: false });
  const seen: DriverError[] = [];
  bus.subscribe((e) => void (e.kind === 'driver-error' && seen.push(e)));
  closing.push(() => metrics.close());
  return { driver: instrumentDriver(inner, { metrics, events: bus }), metrics, seen };
}

async function errorsTotal(metrics: RackMetrics, op: string, code: string): Promise<number> {
  type Family = { name: string; metrics: Array<{ value: string; labels?: Record<string, string> }> };
  const page = parsePrometheusTextFormat(await metrics.scrape()) as Family[];
  const f = page.find((x) => x.name === 'bmcemu_driver_errors_total');
  const m = f?.metrics.find((x) => x.labels?.op === op && x.labels?.code === code);
  return m ? Number(m.value) : 0;
}

describe('driver-error events', () => {
  it('an illegal power transition on the memory driver: one event naming the node, the counter +1', async () => {
    const mem = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 1 });
    closing.push(() => mem.close());
    const { driver, metrics, seen } = wired(mem);
    const [n0, n1] = await driver.list();
    await driver.power(n1!.id, 'On');
    const err = await driver.power(n0!.id, 'GracefulRestart').catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('BMCEMU_CONFLICT');
    await tick();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ node: n0!.id, op: 'power', code: 'BMCEMU_CONFLICT' });
    expect(seen[0]!.message).toBe((err as Error).message);
    expect(await errorsTotal(metrics, 'power', 'BMCEMU_CONFLICT')).toBe(1);
    // successful operations publish nothing; an unknown node is an error of its own kind
    await driver.power(n1!.id, 'ForceOff');
    await expect(driver.get('no-such-node')).rejects.toThrow();
    await tick();
    expect(seen.map((e) => [e.op, e.code, e.node])).toEqual([
      ['power', 'BMCEMU_CONFLICT', n0!.id],
      ['get', 'BMCEMU_NODE_NOT_FOUND', 'no-such-node'],
    ]);
    expect(await errorsTotal(metrics, 'power', 'BMCEMU_CONFLICT')).toBe(1);
  });
});

const virsh = requirePeers('libvirt test driver', [command('virsh', 'libvirt-clients')]);
virsh.describe('driver-error events from libvirt', () => {
  it("libvirt's test:///default refusing secure boot on a Legacy domain: event and counter", async () => {
    const lv = await createLibvirtDriver({ uris: ['test:///default'], pollIntervalMs: 60_000 });
    closing.push(() => lv.close());
    const { driver, metrics, seen } = wired(lv);
    const [dom] = await driver.list();
    const err = await driver.setSecureBoot(dom!.id, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await tick();
    expect(seen).toEqual([
      expect.objectContaining({
        node: dom!.id,
        op: 'setSecureBoot',
        code: 'BMCEMU_CONFLICT',
        message: (err as Error).message,
      }),
    ]);
    expect(await errorsTotal(metrics, 'setSecureBoot', 'BMCEMU_CONFLICT')).toBe(1);
  });
});
