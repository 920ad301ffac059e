import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, EventBus, MemoryDriver, type RackEvent } from '@bmc-emu/core';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeDriverEvents } from '../src/driver-events.js';

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('driver events onto the bus (serve, until front ends publish their own)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes power, boot, one event per changed media slot, and node changes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-bridge-'));
    const image = join(dir, 'x.iso');
    await writeFile(image, 'iso');
    const driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 10 });
    const bus = new EventBus();
    const unbridge = bridgeDriverEvents(driver, bus);
    const [a, b] = await driver.list();
    await settle();

    await driver.power(a!.id, 'On');
    await new Promise((r) => setTimeout(r, 60));
    await driver.setBootOverride(b!.id, { target: 'Pxe', enabled: 'Once' });
    await driver.insertMedia(a!.id, 'Cd', { kind: 'path', path: image, image: 'http://x/x.iso' });
    await driver.ejectMedia(a!.id, 'Cd');
    await driver.setBiosPending(b!.id, { L2Cache: 'x' });
    await settle();

    const events = bus.history().map((e: RackEvent) => {
      const { seq: _s, time: _t, ...rest } = e;
      return rest;
    });
    expect(events).toEqual([
      { kind: 'power', node: a!.id, state: 'PoweringOn', by: { via: 'driver' } },
      { kind: 'power', node: a!.id, state: 'On', by: { via: 'driver' } },
      { kind: 'boot', node: b!.id, boot: { target: 'Pxe', enabled: 'Once', mode: 'UEFI' }, by: { via: 'driver' } },
      { kind: 'media', node: a!.id, slot: 'Cd', inserted: true, image: 'http://x/x.iso', by: { via: 'driver' } },
      { kind: 'media', node: a!.id, slot: 'Cd', inserted: false, by: { via: 'driver' } },
      { kind: 'node', node: b!.id, change: 'changed' },
    ]);
    unbridge();
    await driver.power(b!.id, 'On');
    await settle();
    expect(bus.history({ node: b!.id, kinds: ['power'] })).toEqual([]);
    await driver.close();
  });
});
