import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuTimeReader, parseCpuTime, parseDomstats } from '../src/cpu-time.js';

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

describe('parseDomstats and CpuTimeReader', () => {
  it('reads every domain of one domstats call; domains without cpu.time are left out', () => {
    const text = "Domain: 'a'\n  cpu.time=10\n  cpu.user=1\n\nDomain: 'b c'\n  cpu.time=20\n\nDomain: 'idle'\n\n";
    expect([...parseDomstats(text)]).toEqual([
      ['a', 10],
      ['b c', 20],
    ]);
  });

  it('property: names and times round-trip', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
          { selector: (t) => t[0], maxLength: 20 },
        ),
        (doms) => {
          const text = doms.map(([n, t]) => `Domain: '${n}'\n  cpu.time=${t}\n  cpu.system=1\n`).join('\n');
          expect(parseDomstats(text)).toEqual(new Map(doms));
        },
      ),
    );
  });

  it('one virsh call serves every domain until it is older than maxAgeMs; a failed call is not kept', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const reader = new CpuTimeReader(
      async () => {
        calls++;
        if (fail) throw new Error('virsh failed');
        return `Domain: 'a'\n  cpu.time=${calls}\nDomain: 'b'\n  cpu.time=${calls * 2}\n`;
      },
      1000,
      () => now,
    );
    expect(await reader.of('a')).toBe(1);
    expect(await reader.of('b')).toBe(2);
    expect(calls).toBe(1);
    now = 1500;
    fail = true;
    await expect(reader.of('a')).rejects.toThrow('virsh failed');
    fail = false;
    expect(await reader.of('a')).toBe(3);
    expect(calls).toBe(3);
  });
});
