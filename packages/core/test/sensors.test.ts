import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuLoad, makeNode, MemoryDriver, readSensor, sensorCatalog, thresholdLevel } from '../src/index.js';

const node = makeNode({ name: 'n1' });
const input = { nodeId: node.id, load: 0.3, now: 1_700_000_000_000, jitterPeriodMs: 10_000, fault: false };

describe('sensor readings', () => {
  it('a node has inlet, board, CPU per socket, fans and PSU power and voltage', () => {
    const names = sensorCatalog(makeNode({ name: 'big', cpu: { count: 16, arch: 'x86_64', model: 'q' } })).map(
      (d) => d.name,
    );
    expect(names).toEqual([
      'Inlet Temp',
      'System Board',
      'CPU1 Temp',
      'CPU2 Temp',
      'Fan1',
      'Fan2',
      'PSU1 Power',
      'PSU1 Voltage',
    ]);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(16);
  });

  it('off reads ambient, 0 RPM and standby watts; on reads more, with health OK', () => {
    const byName = (p: 'On' | 'Off') =>
      Object.fromEntries(sensorCatalog(node).map((d) => [d.name, readSensor(d, { ...input, powerState: p })]));
    const off = byName('Off');
    const on = byName('On');
    expect(off['Fan1']!.value).toBe(0);
    expect(off['PSU1 Power']!.value).toBeLessThanOrEqual(12);
    expect(off['CPU1 Temp']!.value).toBeLessThanOrEqual(23);
    expect(on['Fan1']!.value).toBeGreaterThan(4000);
    expect(on['PSU1 Power']!.value).toBeGreaterThan(100);
    expect(on['CPU1 Temp']!.value).toBeGreaterThan(40);
    for (const r of [...Object.values(off), ...Object.values(on)]) expect(r.health).toBe('OK');
  });

  it('is deterministic within a jitter period and may move in the next', () => {
    const def = sensorCatalog(node).find((d) => d.name === 'Fan1')!;
    const a = readSensor(def, { ...input, powerState: 'On' });
    const b = readSensor(def, { ...input, powerState: 'On', now: input.now + 5_000 });
    expect(a.value).toBe(b.value);
    const values = new Set(
      Array.from(
        { length: 20 },
        (_, i) => readSensor(def, { ...input, powerState: 'On', now: input.now + i * 10_000 }).value,
      ),
    );
    expect(values.size).toBeGreaterThan(1);
  });

  it('a fault sensor reads past its critical threshold', () => {
    for (const def of sensorCatalog(node)) {
      const r = readSensor(def, { ...input, powerState: 'On', fault: true });
      expect(r.health).toBe('Critical');
    }
  });

  it('property: every reading is a multiple of its resolution and fits an 8-bit linear sensor', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sensorCatalog(node)),
        fc.constantFrom('On' as const, 'Off' as const, 'PoweringOn' as const, 'PoweringOff' as const),
        fc.double({ min: -1, max: 2, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.boolean(),
        (def, powerState, load, now, fault) => {
          const r = readSensor(def, { ...input, powerState, load, now, fault });
          expect(r.value % def.resolution).toBe(0);
          expect(r.value / def.resolution).toBeGreaterThanOrEqual(0);
          expect(r.value / def.resolution).toBeLessThanOrEqual(255);
          expect(r.level).toBe(r.judged ? thresholdLevel(def, r.value) : 'ok');
        },
      ),
    );
  });
});

describe('CPU load from the driver CPU time', () => {
  it('turns the CPU time rate into a 0..1 load per vCPU', async () => {
    let t = 0;
    let cpu = 0;
    const driver = new MemoryDriver({ nodes: [makeNode({ name: 'a', powerState: 'On' })] });
    Object.assign(driver, { cpuTime: async () => cpu });
    const load = new CpuLoad(driver, 1000, () => t);
    const n = (await driver.list())[0]!;
    await load.load(n);
    t = 2000;
    cpu = 2000 * 1e6; // one of two vCPUs busy for 2 s
    expect(await load.load(n)).toBeCloseTo(0.5);
    await driver.close();
  });
});
