import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceWindow } from './support/internals.js';

describe('SequenceWindow', () => {
  it('accepts each number once, 16 behind to 15 ahead', () => {
    const w = SequenceWindow.startingAt(100);
    expect(w.accept(100)).toBe(true);
    expect(w.accept(100)).toBe(false); // replay
    expect(w.accept(115)).toBe(true);
    expect(w.accept(131)).toBe(false); // 16 ahead of 115
    expect(w.accept(101)).toBe(true); // 14 behind, unseen
    expect(w.accept(99)).toBe(false); // 16 behind
    expect(w.accept(130)).toBe(true);
    expect(w.accept(0)).toBe(false);
  });

  it('wraps around 2^32', () => {
    const w = SequenceWindow.startingAt(0xfffffffe);
    expect(w.accept(0xfffffffe)).toBe(true);
    expect(w.accept(3)).toBe(true);
    expect(w.accept(0xffffffff)).toBe(true);
    expect(w.accept(0xfffffffe)).toBe(false);
  });

  it('never accepts a number twice while it is inside the window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 200 }), (offsets) => {
        const w = SequenceWindow.startingAt(1000);
        const accepted = new Set<number>();
        for (const o of offsets) {
          const seq = 1000 + o;
          if (w.accept(seq)) {
            expect(accepted.has(seq)).toBe(false);
            accepted.add(seq);
          }
        }
      }),
    );
  });
});
