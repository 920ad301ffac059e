import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus, type RackEvent, RingBuffer } from '../src/index.js';

const tick = () => new Promise((r) => setImmediate(r));
const power = (node: string, state: 'On' | 'Off' = 'On') => ({ kind: 'power', node, state }) as const;

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items in order (fast-check against an array model)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 100 }), (cap, items) => {
        const ring = new RingBuffer<number>(cap);
        for (const i of items) ring.push(i);
        expect(ring.toArray()).toEqual(items.slice(-cap));
        expect(ring.size).toBe(Math.min(cap, items.length));
        const even = (n: number) => n % 2 === 0;
        expect(ring.newest(3, even)).toEqual(items.slice(-cap).filter(even).slice(-3));
      }),
    );
  });
  it('refuses a capacity below 1', () => {
    expect(() => new RingBuffer(0)).toThrow(/ring capacity must be >= 1/);
  });
});

describe('EventBus', () => {
  it('stamps seq and time and keeps per-node and global history bounded', () => {
    const bus = new EventBus({ perNode: 3, global: 5 });
    for (let i = 0; i < 4; i++) bus.publish(power('a'));
    for (let i = 0; i < 4; i++) bus.publish(power('b', 'Off'));
    const a = bus.history({ node: 'a' });
    expect(a.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(bus.history().map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(bus.history({ node: 'nobody' })).toEqual([]);
    expect(bus.history({ afterSeq: 6 }).map((e) => e.seq)).toEqual([7, 8]);
    expect(bus.history({ kinds: ['dhcp'] })).toEqual([]);
    expect(a[0]!.time).toBeGreaterThan(0);
    expect(bus.stats()).toMatchObject({ published: 8, byKind: { power: 8 } });
  });

  it('delivers after the publisher returns, in order, filtered', async () => {
    const bus = new EventBus();
    const seen: RackEvent[] = [];
    bus.subscribe((e) => void seen.push(e), { filter: (e) => e.node === 'x' });
    bus.publish(power('x'));
    bus.publish(power('y'));
    bus.publish(power('x', 'Off'));
    expect(seen).toHaveLength(0);
    await tick();
    expect(seen.map((e) => e.seq)).toEqual([1, 3]);
  });

  it('drops a subscriber that stays backed up past maxQueue, counts it, and keeps serving the others', async () => {
    const bus = new EventBus();
    let drops = 0;
    const slow = bus.subscribe(() => false, { maxQueue: 10, onDrop: () => drops++ });
    const fast: number[] = [];
    bus.subscribe((e) => void fast.push(e.seq));
    for (let i = 0; i < 5; i++) bus.publish(power('n'));
    await tick();
    for (let i = 0; i < 20; i++) bus.publish(power('n'));
    await tick();
    expect(slow.dropped).toBe(true);
    expect(drops).toBe(1);
    expect(bus.stats()).toMatchObject({ droppedSubscribers: 1, subscribers: 1 });
    expect(fast).toHaveLength(25);
  });

  it('a paused subscriber gets what it missed on resume, in order', async () => {
    const bus = new EventBus();
    const got: number[] = [];
    let busy = true;
    const sub = bus.subscribe((e) => {
      got.push(e.seq);
      return !busy;
    });
    for (let i = 0; i < 4; i++) bus.publish(power('n'));
    await tick();
    expect(got).toEqual([1]);
    busy = false;
    sub.resume();
    await tick();
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('a throwing handler is counted and does not stop delivery to others', async () => {
    const bus = new EventBus();
    const errs: unknown[] = [];
    bus.setHandlerErrorSink((e) => errs.push(e));
    bus.subscribe(() => {
      throw new Error('boom');
    });
    const ok: number[] = [];
    bus.subscribe((e) => void ok.push(e.seq));
    bus.publish(power('n'));
    await tick();
    expect(ok).toEqual([1]);
    expect(errs).toHaveLength(1);
    expect(bus.stats().handlerErrors).toBe(1);
  });

  it('a handler that publishes does not spin the drain forever', async () => {
    const bus = new EventBus();
    let calls = 0;
    bus.subscribe(() => {
      calls++;
      if (calls < 1000) bus.publish(power('n'));
    });
    bus.publish(power('n'));
    for (let i = 0; i < 5; i++) await tick();
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(1000);
  });

  it('close() stops delivery at once', async () => {
    const bus = new EventBus();
    const got: number[] = [];
    const sub = bus.subscribe((e) => void got.push(e.seq));
    bus.publish(power('n'));
    sub.close();
    await tick();
    expect(got).toEqual([]);
    expect(bus.stats().subscribers).toBe(0);
  });
});

describe('EventBus publishing and delivery', () => {
  it('keeps the object it is given as the event, and copies one published before or frozen', () => {
    const bus = new EventBus();
    const input = power('n');
    const first = bus.publish(input);
    expect(first).toBe(input);
    const again = bus.publish(input);
    expect(again).not.toBe(input);
    expect([first.seq, again.seq]).toEqual([1, 2]);
    const frozen = bus.publish(Object.freeze(power('n', 'Off')));
    expect(frozen).toMatchObject({ seq: 3, state: 'Off' });
    expect(bus.history().map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('delivers in the same turn, after the publishing code is done, before any timer or I/O', async () => {
    const bus = new EventBus();
    const order: string[] = [];
    bus.subscribe((e) => void order.push(`event ${e.seq}`));
    setImmediate(() => order.push('immediate'));
    bus.publish(power('n'));
    order.push('publisher done');
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['publisher done', 'event 1']);
    await tick();
    expect(order).toEqual(['publisher done', 'event 1', 'immediate']);
  });

  it('events a handler publishes go out on the next turn, not in the same drain', async () => {
    const bus = new EventBus();
    const got: number[] = [];
    bus.subscribe((e) => {
      got.push(e.seq);
      if (e.seq === 1) bus.publish(power('n'));
    });
    bus.publish(power('n'));
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toEqual([1]);
    await tick();
    expect(got).toEqual([1, 2]);
  });
});

describe('EventBus taps', () => {
  it('are called inside publish, before it returns, for every event; a throw is counted; close stops them', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    const tap = bus.tap((e) => void seen.push(e.seq));
    bus.tap(() => {
      throw new Error('tap failed');
    });
    bus.publish(power('n'));
    bus.publish(power('m'));
    expect(seen).toEqual([1, 2]);
    expect(bus.stats().handlerErrors).toBe(2);
    tap.close();
    bus.publish(power('n'));
    expect(seen).toEqual([1, 2]);
    expect(bus.stats().subscribers).toBe(0);
  });
});
