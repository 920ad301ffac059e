import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCpuTime } from '../src/cpu-time.js';

describe('parseCpuTime', () => {
  it('reads cpu.time out of virsh domstats --cpu-total', () => {
    const text = "Domain: 'vm1'\n  cpu.time=123456789012\n  cpu.user=1000\n  cpu.system=2000\n";
    expect(parseCpuTime(text)).toBe(123456789012);
  });
  it('is undefined when the domain reports no CPU time (libvirt test driver, shut-off domain)', () => {
    expect(parseCpuTime("Domain: 'test'\n\n")).toBeUndefined();
  });
  it('property: any safe integer round-trips; arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.string(), (ns, junk) => {
        expect(parseCpuTime(`Domain: 'x'\n  cpu.time=${ns}\n${junk.replace(/cpu\.time/g, '')}`)).toBe(ns);
        parseCpuTime(junk);
      }),
    );
  });
});
