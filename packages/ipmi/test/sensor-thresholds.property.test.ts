import { defaultEventEnables, judgeThresholds, makeNode, sensorCatalog, THRESHOLD_NAMES } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEventEnable,
  decodeSetEventEnable,
  decodeSetThresholds,
  encodeSetEventEnable,
  encodeSetThresholds,
  ipv6Bytes,
} from '../src/codec/index.js';

const defs = sensorCatalog(makeNode({ name: 'p' }));

describe('sensor threshold and event enable codecs', () => {
  it('Set Sensor Thresholds round-trips and decodes any 8 bytes; other lengths are refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (b) => {
        const r = decodeSetThresholds(b);
        const again = decodeSetThresholds(encodeSetThresholds(r));
        expect(again).toEqual(r);
        expect(Object.keys(r.raw).length).toBe([0, 1, 2, 3, 4, 5].filter((i) => b[1]! & (1 << i)).length);
      }),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 12 }).filter((b) => b.length !== 8),
        (b) => {
          expect(() => decodeSetThresholds(b)).toThrow();
        },
      ),
    );
  });

  it('Set Sensor Event Enable decodes 2..6 bytes, refuses action 11b, and never enables an unsupported event', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 6 }), fc.constantFrom(...defs), (b, def) => {
        if (((b[1]! >> 4) & 3) === 3) {
          expect(() => decodeSetEventEnable(b)).toThrow();
          return;
        }
        const r = decodeSetEventEnable(b);
        if (b.length === 2 || b.length >= 4) expect(decodeSetEventEnable(encodeSetEventEnable(r))).toEqual(r);
        const cur = defaultEventEnables(def);
        const next = applyEventEnable(cur, r, cur.assertions);
        if (next !== 'unsupported') {
          expect(next.assertions & ~cur.assertions).toBe(0);
          expect(next.deassertions & ~cur.deassertions).toBe(0);
        }
      }),
    );
  });

  it('a judged threshold change is either refused or leaves the six strictly ordered and settable ones only changed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...defs),
        fc.dictionary(fc.constantFrom(...THRESHOLD_NAMES), fc.integer({ min: -10, max: 20_000 })),
        (def, change) => {
          const v = judgeThresholds(def, def.thresholds, change);
          if (!v.ok) return;
          const vals = [
            'lowerNonRecoverable',
            'lowerCritical',
            'lowerNonCritical',
            'upperNonCritical',
            'upperCritical',
            'upperNonRecoverable',
          ].map((n) => v.thresholds[n as keyof typeof v.thresholds]!);
          for (let i = 1; i < vals.length; i++) expect(vals[i]!).toBeGreaterThan(vals[i - 1]!);
          for (const n of THRESHOLD_NAMES)
            if (!def.settable.includes(n)) expect(v.thresholds[n]).toBe(def.thresholds[n]);
        },
      ),
    );
  });

  it('ipv6Bytes packs any IPv6 address into 16 bytes that read back the same', () => {
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        const b = ipv6Bytes(a);
        expect(b.length).toBe(16);
        const words = [...Array(8).keys()].map((i) => b.readUInt16BE(i * 2).toString(16));
        const back = words.join(':');
        expect(ipv6Bytes(back).equals(b)).toBe(true);
      }),
    );
  });
});
