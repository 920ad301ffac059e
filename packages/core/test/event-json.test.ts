import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus, eventJson, type RackEvent } from '../src/index.js';

// any string JSON can carry: quotes, backslashes, control characters, lone surrogates, astral characters
const text = fc.string({ unit: 'binary', maxLength: 40 });
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-7, 1796319548994),
);
const envelope = { seq: fc.nat(), time: number };

const ipmi = fc.record(
  {
    kind: fc.constant('ipmi' as const),
    node: text,
    netFn: number,
    cmd: number,
    cc: number,
    user: text,
    session: fc.constantFrom('none' as const, '1.5' as const, '2.0' as const),
    ...envelope,
  },
  { requiredKeys: ['kind', 'netFn', 'cmd', 'cc', 'session', 'seq', 'time'] },
);
const redfish = fc.record(
  {
    kind: fc.constant('redfish' as const),
    node: text,
    method: text,
    path: text,
    status: number,
    user: text,
    ms: number,
    ...envelope,
  },
  { requiredKeys: ['kind', 'method', 'path', 'status', 'ms', 'seq', 'time'] },
);
const other = fc.record({
  kind: fc.constant('tftp' as const),
  node: text,
  file: text,
  bytes: number,
  ms: number,
  peer: text,
  ...envelope,
});

describe('eventJson', () => {
  it('parses to what JSON.stringify gives, for any ipmi, redfish or other event (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(ipmi, redfish, other), (e) => {
        const event = e as RackEvent;
        const json = eventJson(event);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(event)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('stays right when remembered prefixes are reused: same command or path, other node, user, numbers (fast-check)', () => {
    const few = <T>(...xs: T[]) => fc.constantFrom(...xs);
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const small = fc.oneof(
      fc.record({
        kind: fc.constant('ipmi' as const),
        node: opt(few('a', 'b', 'q"uote')),
        netFn: few(0, 6, 0x2c),
        cmd: few(1, 0x38),
        cc: few(0, 0xc1),
        user: opt(few('admin', 'üser')),
        session: few('none' as const, '1.5' as const, '2.0' as const),
        ...envelope,
      }),
      fc.record({
        kind: fc.constant('redfish' as const),
        node: opt(few('a', 'b')),
        method: few('GET', 'PATCH', 'PROPFIND'),
        path: few('/redfish/v1/Systems/a', '/redfish/v1', '/p\\x'),
        status: few(200, 404, 1000, 2.5),
        user: opt(few('admin', 'ro')),
        ms: number,
        ...envelope,
      }),
    );
    fc.assert(
      fc.property(fc.array(small, { minLength: 1, maxLength: 30 }), (events) => {
        for (const e of events) {
          const event = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as RackEvent;
          expect(JSON.parse(eventJson(event))).toEqual(JSON.parse(JSON.stringify(event)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out optional fields that are absent or undefined, as JSON.stringify does', () => {
    const e = { kind: 'ipmi', netFn: 6, cmd: 0x38, cc: 0, session: 'none', user: undefined, seq: 7, time: 1 } as const;
    expect(eventJson(e as unknown as RackEvent)).toBe(
      '{"kind":"ipmi","netFn":6,"cmd":56,"cc":0,"session":"none","seq":7,"time":1}',
    );
  });

  it('encodes an event once for every reader, and never hands one event the JSON of another', async () => {
    const bus = new EventBus();
    const seen: string[][] = [[], []];
    for (const out of seen) bus.subscribe((e) => void out.push(eventJson(e)));
    for (let i = 0; i < 600; i++)
      bus.publish({ kind: 'ipmi', node: `n${i % 3}`, netFn: 6, cmd: i % 256, cc: 0, session: 'none' });
    await new Promise((r) => setImmediate(r));
    expect(seen[0]).toHaveLength(600);
    seen[0]!.forEach((json, i) => {
      expect(json).toBe(seen[1]![i]);
      expect(JSON.parse(json)).toMatchObject({ seq: i + 1, node: `n${i % 3}`, cmd: i % 256 });
    });
    // a different object with a seq seen before is encoded afresh
    const other = { kind: 'ipmi', netFn: 1, cmd: 2, cc: 0, session: '2.0', seq: 600, time: 5 } as RackEvent;
    expect(JSON.parse(eventJson(other))).toMatchObject({ netFn: 1, session: '2.0' });
  });
});
