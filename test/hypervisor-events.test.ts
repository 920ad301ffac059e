/** A HypervisorSet member going down and coming back reaches the rack event stream as `hypervisor` events. */
import { EventBus, HypervisorSet, MemoryDriver, makeNode } from '@bmc-emu/core';
import { afterEach, expect, it } from 'vitest';
import { publishHypervisorHealth } from '../src/hypervisor-events.js';
import { switchable } from './support/switchable-driver.js';

let set: HypervisorSet | undefined;
afterEach(async () => {
  await set?.close();
  set = undefined;
});

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('publishes down (with the reason) and up again for the member that failed', async () => {
  const bus = new EventBus();
  const a = switchable(new MemoryDriver({ nodes: [makeNode({ name: 'a-0' })] }));
  const b = switchable(new MemoryDriver({ nodes: [makeNode({ name: 'b-0' })] }));
  set = new HypervisorSet({
    members: [
      { name: 'hv0', uri: 'test://hv0', driver: a },
      { name: 'hv1', uri: 'test://hv1', driver: b },
    ],
    probeIntervalMs: 30,
    onHealth: publishHypervisorHealth(bus),
  });
  await set.start();
  const [a0] = await set.list();
  a.mode = 'down';
  await expect(set.get(a0!.id)).rejects.toThrow(/unavailable/);
  a.mode = 'up';
  const hv = () => bus.history({ kinds: ['hypervisor'] });
  await until(() => hv().length >= 2);
  const [down, up] = hv();
  expect(down).toMatchObject({ kind: 'hypervisor', name: 'hv0', uri: 'test://hv0', up: false });
  expect((down as { reason?: string }).reason).toBeTruthy();
  expect(up).toMatchObject({ kind: 'hypervisor', name: 'hv0', up: true });
  expect(hv().every((e) => (e as { name: string }).name === 'hv0')).toBe(true);
});
