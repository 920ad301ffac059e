import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, HypervisorSet, isBmcEmuError, MemoryDriver, makeNode, type NodeEvent } from '../src/index.js';
import { switchable } from '../../../test/support/switchable-driver.js';

let open: HypervisorSet[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

async function oneHost(): Promise<HypervisorSet> {
  const set = new HypervisorSet({
    members: [{ name: 'a', uri: 'memory://a', driver: new MemoryDriver({ nodes: [makeNode({ name: 'a-0' })] }) }],
    probeIntervalMs: 50,
    maxProbeIntervalMs: 200,
  });
  open.push(set);
  await set.start();
  return set;
}

describe('hypervisor set: a hypervisor added while running', () => {
  it('serves its nodes at once, announces them as added, and shows it in the list', async () => {
    const set = await oneHost();
    const events: NodeEvent[] = [];
    set.watch((e) => events.push(e));
    const b = new MemoryDriver({ nodes: [makeNode({ name: 'b-0' }), makeNode({ name: 'b-1' })] });
    await set.add({ name: 'b', uri: 'memory://b', driver: b });
    expect((await set.list()).map((n) => [n.name, n.hypervisor])).toEqual([
      ['a-0', 'a'],
      ['b-0', 'b'],
      ['b-1', 'b'],
    ]);
    expect(events.filter((e) => e.type === 'added').map((e) => e.node?.name)).toEqual(['b-0', 'b-1']);
    expect(set.hypervisors().map((h) => [h.name, h.up, h.nodes])).toEqual([
      ['a', true, 1],
      ['b', true, 2],
    ]);
    await set.power('b-1', 'On');
    expect((await b.get('b-1')).powerState).not.toBe('Off');
  });

  it('a name already served is refused; the set is unchanged', async () => {
    const set = await oneHost();
    const err = await set
      .add({ name: 'a', uri: 'memory://other', driver: new MemoryDriver({ nodes: [] }) })
      .catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.InvalidArgument)).toBe(true);
    expect(set.hypervisors()).toHaveLength(1);
  });

  it('one that does not answer is added down, then re-joins when it answers', async () => {
    const set = await oneHost();
    const sw = switchable(new MemoryDriver({ nodes: [makeNode({ name: 'c-0' })] }));
    sw.mode = 'down';
    await set.add({ name: 'c', uri: 'memory://c', driver: sw, timeoutMs: 200 });
    expect(set.hypervisors().find((h) => h.name === 'c')?.up).toBe(false);
    expect((await set.list()).map((n) => n.name)).toEqual(['a-0']);
    sw.mode = 'up';
    const deadline = Date.now() + 3_000;
    while (!set.hypervisors().find((h) => h.name === 'c')?.up && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await set.list()).map((n) => n.name)).toEqual(['a-0', 'c-0']);
  });
});
