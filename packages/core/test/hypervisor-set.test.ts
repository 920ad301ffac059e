import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HypervisorSet,
  isBmcEmuError,
  MemoryDriver,
  makeNode,
  type Node,
  type NodeDriver,
  type NodeEvent,
} from '../src/index.js';
import { switchable } from '../../../test/support/switchable-driver.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';
import { driverContract } from './contract/driver-contract.js';

const tempDir = tempDirs();

const nodesNamed = (prefix: string, n: number): Node[] =>
  Array.from({ length: n }, (_, i) => makeNode({ name: `${prefix}-${i}` }));

let open: HypervisorSet[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

async function setOf(
  drivers: NodeDriver[],
  opts: { timeoutMs?: number; probeIntervalMs?: number } = {},
): Promise<HypervisorSet> {
  const set = new HypervisorSet({
    members: drivers.map((driver, i) => ({ name: `hv${i}`, uri: `test://hv${i}`, driver, timeoutMs: opts.timeoutMs })),
    probeIntervalMs: opts.probeIntervalMs ?? 50,
    maxProbeIntervalMs: 200,
  });
  open.push(set);
  await set.start();
  return set;
}

async function until(cond: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('hypervisor set: NodeDriver contract over two memory hypervisors', () => {
  driverContract(async () => {
    const a = new MemoryDriver({ nodes: nodesNamed('a', 1), transitionMs: 20 });
    const b = new MemoryDriver({ nodes: nodesNamed('b', 2), transitionMs: 20 });
    const set = new HypervisorSet({
      members: [
        { name: 'a', uri: 'memory://a', driver: a },
        { name: 'b', uri: 'memory://b', driver: b },
      ],
    });
    await set.start();
    const dir = await tempDir('bmcemu-hvset-');
    const isoPath = join(dir, 'x.iso');
    await writeFile(isoPath, Buffer.alloc(4096, 1));
    return { driver: set, nodeId: (await b.list())[1]!.id, isoPath, cleanup: () => set.close() };
  });
});

describe('hypervisor set', () => {
  it('lists every hypervisor in order, each node carrying its hypervisor, and routes by id and name', async () => {
    const a = switchable(new MemoryDriver({ nodes: nodesNamed('a', 2) }));
    const b = switchable(new MemoryDriver({ nodes: nodesNamed('b', 3) }));
    const set = await setOf([a, b]);
    const list = await set.list();
    expect(list.map((n) => `${n.hypervisor}/${n.name}`)).toEqual([
      'hv0/a-0',
      'hv0/a-1',
      'hv1/b-0',
      'hv1/b-1',
      'hv1/b-2',
    ]);
    const callsA = a.calls;
    expect((await set.get('b-2')).hypervisor).toBe('hv1');
    await set.power(list[3]!.id, 'On');
    expect(a.calls).toBe(callsA); // never asked the other hypervisor
    expect(set.hypervisors().map((h) => [h.name, h.up, h.nodes])).toEqual([
      ['hv0', true, 2],
      ['hv1', true, 3],
    ]);
  });

  it('reports a UUID seen on two hypervisors and serves it from the first only, never merged', async () => {
    const twin = makeNode({ name: 'twin' });
    const a = new MemoryDriver({ nodes: [twin, ...nodesNamed('a', 1)] });
    const b = new MemoryDriver({ nodes: [{ ...twin, name: 'twin-copy', memoryMiB: 1 }, ...nodesNamed('b', 1)] });
    const set = await setOf([a, b]);
    const list = await set.list();
    expect(list.filter((n) => n.id === twin.id)).toHaveLength(1);
    const got = await set.get(twin.id);
    expect([got.hypervisor, got.name]).toEqual(['hv0', 'twin']);
    const [s0, s1] = set.hypervisors();
    expect(s0!.duplicates).toEqual([]);
    expect(s1!.duplicates).toEqual([{ id: twin.id, servedBy: 'hv0' }]);
    // the copy's events are not forwarded as if they were the served node's
    const seen: NodeEvent[] = [];
    set.watch((e) => seen.push(e));
    await b.power(twin.id, 'On');
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.filter((e) => e.nodeId === twin.id)).toEqual([]);
  });

  it('a down hypervisor fails its nodes at once, naming it; the others keep answering', async () => {
    const a = switchable(new MemoryDriver({ nodes: nodesNamed('a', 2) }));
    const b = switchable(new MemoryDriver({ nodes: nodesNamed('b', 2) }));
    const set = await setOf([a, b], { probeIntervalMs: 10_000 });
    const [a0, , b0] = await set.list();
    a.mode = 'down';
    const first = await set.get(a0!.id).catch((e: unknown) => e);
    expect(isBmcEmuError(first, ErrorCode.DriverUnavailable)).toBe(true);
    expect((first as Error).message).toContain('hv0');
    const callsA = a.calls;
    const t0 = performance.now();
    const second = await set.power(a0!.id, 'On').catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(20);
    expect(isBmcEmuError(second, ErrorCode.DriverUnavailable)).toBe(true);
    expect(a.calls).toBe(callsA); // failed fast, without asking the dead host
    expect((await set.get(b0!.id)).name).toBe('b-0');
    expect((await set.list()).map((n) => n.name)).toEqual(['b-0', 'b-1']);
    expect(set.hypervisors()[0]).toMatchObject({ name: 'hv0', up: false, reason: 'connection refused' });
  });

  it('a hung hypervisor is marked down after its timeout, without slowing the other', async () => {
    const a = switchable(new MemoryDriver({ nodes: nodesNamed('a', 1) }));
    const b = switchable(new MemoryDriver({ nodes: nodesNamed('b', 1) }));
    const set = await setOf([a, b], { timeoutMs: 200, probeIntervalMs: 10_000 });
    const [a0, b0] = await set.list();
    a.mode = 'hang';
    const t0 = performance.now();
    const [ra, rb] = await Promise.allSettled([set.get(a0!.id), set.get(b0!.id)]);
    expect(rb.status).toBe('fulfilled');
    expect(ra.status).toBe('rejected');
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(((ra as PromiseRejectedResult).reason as Error).message).toMatch(/hv0.*no answer within 200 ms/);
    const t1 = performance.now();
    await expect(set.get(a0!.id)).rejects.toThrow(/unavailable/);
    expect(performance.now() - t1).toBeLessThan(20);
  });

  it('re-joins a hypervisor by itself when it answers again, announcing nodes added meanwhile', async () => {
    const inner = new MemoryDriver({ nodes: nodesNamed('a', 1) });
    const a = switchable(inner);
    const b = switchable(new MemoryDriver({ nodes: nodesNamed('b', 1) }));
    const health: string[] = [];
    const set = new HypervisorSet({
      members: [
        { name: 'hv0', uri: 'test://hv0', driver: a },
        { name: 'hv1', uri: 'test://hv1', driver: b },
      ],
      probeIntervalMs: 30,
      onHealth: (s) => health.push(`${s.name}:${s.up ? 'up' : 'down'}`),
    });
    open.push(set);
    await set.start();
    const [a0] = await set.list();
    const events: NodeEvent[] = [];
    set.watch((e) => events.push(e));
    a.mode = 'down';
    await expect(set.get(a0!.id)).rejects.toThrow(/unavailable/);
    const late = makeNode({ name: 'a-late' });
    a.mode = 'up';
    inner.addNode(late); // its 'added' event is itself a sign of life
    await until(() => set.hypervisors()[0]!.up);
    expect((await set.get(a0!.id)).hypervisor).toBe('hv0');
    expect((await set.get('a-late')).id).toBe(late.id);
    expect(events.some((e) => e.type === 'added' && e.nodeId === late.id && e.node?.hypervisor === 'hv0')).toBe(true);
    expect(health).toEqual(['hv0:down', 'hv0:up']);
  });

  it('starts with one hypervisor down (its nodes appear when it comes up), fails when all are down', async () => {
    const inner = new MemoryDriver({ nodes: nodesNamed('a', 2) });
    const a = switchable(inner);
    a.mode = 'down';
    const b = switchable(new MemoryDriver({ nodes: nodesNamed('b', 1) }));
    const set = await setOf([a, b], { probeIntervalMs: 30 });
    expect((await set.list()).map((n) => n.name)).toEqual(['b-0']);
    const unknown = await set.get('a-0').catch((e: unknown) => e);
    expect(isBmcEmuError(unknown, ErrorCode.DriverUnavailable)).toBe(true);
    const added: string[] = [];
    set.watch((e) => e.type === 'added' && added.push(e.node!.name));
    a.mode = 'up';
    await until(() => set.hypervisors()[0]!.up);
    expect(added.sort()).toEqual(['a-0', 'a-1']);
    expect((await set.list()).map((n) => n.name)).toEqual(['a-0', 'a-1', 'b-0']);

    const c = switchable(new MemoryDriver({ nodes: nodesNamed('c', 1) }));
    c.mode = 'down';
    const none = new HypervisorSet({ members: [{ name: 'c', uri: 'test://c', driver: c }] });
    open.push(none);
    await expect(none.start()).rejects.toThrow(/Hypervisor c:.*connection refused/);
  });

  it('refuses two hypervisors with one name', () => {
    const d = new MemoryDriver();
    expect(
      () =>
        new HypervisorSet({
          members: [
            { name: 'x', uri: 'a', driver: d },
            { name: 'x', uri: 'b', driver: d },
          ],
        }),
    ).toThrow(/Two hypervisors are named "x"/);
  });

  it('property: every UUID is served by the first hypervisor that has it, and listed once', async () => {
    const pool = Array.from({ length: 6 }, (_, i) => makeNode({ name: `n${i}` }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.subarray([0, 1, 2, 3, 4, 5]), { minLength: 1, maxLength: 4 }), async (layout) => {
        const drivers = layout.map((idx) => new MemoryDriver({ nodes: idx.map((i) => pool[i]!) }));
        const set = new HypervisorSet({
          members: drivers.map((driver, i) => ({ name: `h${i}`, uri: `t${i}`, driver })),
        });
        try {
          await set.start();
          const list = await set.list();
          expect(new Set(list.map((n) => n.id)).size).toBe(list.length);
          for (const [i, n] of pool.entries()) {
            const first = layout.findIndex((idx) => idx.includes(i));
            if (first < 0) await expect(set.get(n.id)).rejects.toThrow(/No node/);
            else expect((await set.get(n.id)).hypervisor).toBe(`h${first}`);
          }
          const dupes = set.hypervisors().reduce((k, h) => k + h.duplicates.length, 0);
          const expected = pool.reduce((k, _, i) => k + Math.max(0, layout.filter((x) => x.includes(i)).length - 1), 0);
          expect(dupes).toBe(expected);
        } finally {
          await set.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
