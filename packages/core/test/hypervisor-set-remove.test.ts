import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, HypervisorSet, isBmcEmuError, MemoryDriver, makeNode, type NodeEvent } from '../src/index.js';
import { switchable } from '../../../test/support/switchable-driver.js';

let open: HypervisorSet[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

/** A memory driver that says whether it was closed. */
function closable(names: string[], ids: Record<string, string> = {}) {
  const d = new MemoryDriver({
    nodes: names.map((name) => makeNode({ name, ...(ids[name] ? { id: ids[name] } : {}) })),
  });
  const seen = { closed: false };
  const close = d.close.bind(d);
  d.close = async () => {
    seen.closed = true;
    await close();
  };
  return Object.assign(d, { seen });
}

async function setOf(members: Array<{ name: string; driver: MemoryDriver | ReturnType<typeof switchable> }>) {
  const set = new HypervisorSet({
    members: members.map((m) => ({ name: m.name, uri: `memory://${m.name}`, driver: m.driver, timeoutMs: 200 })),
    probeIntervalMs: 20,
    maxProbeIntervalMs: 40,
  });
  open.push(set);
  await set.start();
  return set;
}

describe('hypervisor set: a hypervisor removed while running', () => {
  it('announces its nodes as removed, closes its driver, and no longer lists it or its nodes', async () => {
    const a = closable(['a-0']);
    const b = closable(['b-0', 'b-1']);
    const set = await setOf([
      { name: 'a', driver: a },
      { name: 'b', driver: b },
    ]);
    const events: NodeEvent[] = [];
    set.watch((e) => events.push(e));
    const b1 = (await b.get('b-1')).id;
    expect(await set.remove('b')).toBe(true);
    expect(b.seen.closed).toBe(true);
    expect(a.seen.closed).toBe(false);
    expect(events.filter((e) => e.type === 'removed')).toHaveLength(2);
    expect(events.map((e) => e.nodeId)).toContain(b1);
    expect(set.hypervisors().map((h) => h.name)).toEqual(['a']);
    expect((await set.list()).map((n) => n.name)).toEqual(['a-0']);
    const err = await set.get('b-1').catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.NodeNotFound)).toBe(true);
    await set.power('a-0', 'On');
    expect((await set.get('a-0')).powerState).not.toBe('Off');
  });

  it('a down hypervisor that is removed is probed no more', async () => {
    const a = closable(['a-0']);
    const c = switchable(new MemoryDriver({ nodes: [makeNode({ name: 'c-0' })] }));
    const set = await setOf([
      { name: 'a', driver: a },
      { name: 'c', driver: c },
    ]);
    c.mode = 'down';
    await set.get('c-0').catch(() => undefined);
    expect(set.hypervisors().find((h) => h.name === 'c')?.up).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(await set.remove('c')).toBe(true);
    const calls = c.calls;
    await new Promise((r) => setTimeout(r, 200));
    expect(c.calls).toBe(calls);
    c.mode = 'up';
    await new Promise((r) => setTimeout(r, 100));
    expect(set.hypervisors().map((h) => h.name)).toEqual(['a']);
    expect((await set.list()).map((n) => n.name)).toEqual(['a-0']);
  });

  it('a UUID both report moves to the other hypervisor, announced as added there', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const first = closable(['twin-on-first'], { 'twin-on-first': id });
    const second = closable(['twin-on-second'], { 'twin-on-second': id });
    const set = await setOf([
      { name: 'first', driver: first },
      { name: 'second', driver: second },
    ]);
    expect((await set.get(id)).hypervisor).toBe('first');
    const events: NodeEvent[] = [];
    set.watch((e) => events.push(e));
    await set.remove('first');
    expect(events.map((e) => [e.type, e.nodeId, e.node?.hypervisor])).toEqual([
      ['removed', id, undefined],
      ['added', id, 'second'],
    ]);
    const node = await set.get(id);
    expect([node.name, node.hypervisor]).toEqual(['twin-on-second', 'second']);
    expect(set.hypervisors()[0]!.duplicates).toEqual([]);
  });

  it('an unknown name is not removed; the last hypervisor cannot be', async () => {
    const set = await setOf([{ name: 'a', driver: closable(['a-0']) }]);
    expect(await set.remove('nope')).toBe(false);
    const err = await set.remove('a').catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.InvalidArgument)).toBe(true);
    expect((await set.list()).map((n) => n.name)).toEqual(['a-0']);
  });
});
