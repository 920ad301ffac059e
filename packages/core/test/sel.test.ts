import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../../test/support/temp-dirs.js';
import {
  acquireTelemetry,
  makeNode,
  MemoryDriver,
  powerEntry,
  SelStore,
  Telemetry,
  waitForPower,
} from '../src/index.js';

const temp = tempDirs();

describe('SEL store', () => {
  it('keeps at most maxEntries, oldest out, with increasing ids', () => {
    const sel = new SelStore({ maxEntries: 20 });
    for (let i = 0; i < 30; i++) sel.add('n', powerEntry('On', `u${i}`));
    const e = sel.entries('n');
    expect(e).toHaveLength(20);
    expect(e[0]!.actor).toBe('u10');
    expect(e.map((x) => x.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
  });

  it('persists atomically and reloads; clear leaves one "cleared" entry', async () => {
    const dir = await temp('bmcemu-sel-');
    const a = new SelStore({ dir });
    await a.load('n');
    a.add('n', powerEntry('Off', 'IPMI user admin'));
    a.setTime('n', 1_000_000);
    await a.flush();
    const text = await readFile(join(dir, 'n.json'), 'utf8');
    expect(JSON.parse(text).entries).toHaveLength(1);
    const b = new SelStore({ dir });
    await b.load('n');
    expect(b.entries('n')[0]!.message).toBe('Power off by IPMI user admin.');
    expect(Math.abs(b.time('n') - 1_000_000)).toBeLessThan(5);
    b.clear('n', 'Redfish user admin');
    expect(b.entries('n').map((x) => x.kind)).toEqual(['cleared']);
    expect(b.info('n').lastErase).toBeGreaterThan(0);
  });
});

describe('telemetry', () => {
  it('records BMC start, power changes with who did it, boot and media, and fault crossings', async () => {
    const dir = await temp('bmcemu-tel-');
    const driver = new MemoryDriver({ nodes: [makeNode({ name: 'n1' })], transitionMs: 5 });
    const t = new Telemetry({ driver, stateDir: dir, faults: { n1: ['CPU1 Temp'] }, scanIntervalMs: 0 });
    await t.ready;
    const id = (await driver.list())[0]!.id;
    t.note(id, 'power', 'IPMI user admin', 'On');
    await driver.power(id, 'On');
    await waitForPower(driver, id, 'On');
    t.note(id, 'power', 'Redfish user admin', 'ForceRestart');
    await driver.power(id, 'ForceRestart');
    await driver.setBootOverride(id, { target: 'Pxe', enabled: 'Once' });
    await driver.power(id, 'PowerCycle');
    await t.check();
    const msgs = t.sel.entries(id).map((e) => e.message);
    expect(msgs[0]).toBe('BMC started.');
    expect(msgs).toContain('Power on by IPMI user admin.');
    expect(msgs).toContain('Hard reset by Redfish user admin.');
    expect(msgs).toContain('Boot device set to Pxe (Once) by bmc-emu.');
    expect(msgs).toContain('Power cycle by bmc-emu.');
    const fault = t.sel.entries(id).find((e) => e.kind === 'threshold');
    expect(fault?.threshold).toMatchObject({ sensorName: 'CPU1 Temp', asserted: true, level: 'upperCritical' });
    expect(fault?.severity).toBe('Critical');
    await t.close();
    await driver.close();
  });
});

describe('telemetry across a BMC restart', () => {
  it('the SEL survives in the state dir and the restart adds a "BMC started" entry', async () => {
    const dir = await temp('bmcemu-tel2-');
    const nodes = [makeNode({ name: 'r1' })];
    const d1 = new MemoryDriver({ nodes, transitionMs: 0 });
    const t1 = new Telemetry({ driver: d1, stateDir: dir, scanIntervalMs: 0 });
    await t1.ready;
    const id = nodes[0]!.id;
    t1.note(id, 'power', 'IPMI user admin', 'On');
    await d1.power(id, 'On');
    await t1.close();
    await d1.close();
    const d2 = new MemoryDriver({ nodes, transitionMs: 0 });
    const t2 = new Telemetry({ driver: d2, stateDir: dir, scanIntervalMs: 0 });
    await t2.ready;
    expect(t2.sel.entries(id).map((e) => e.message)).toEqual([
      'BMC started.',
      'Power on by IPMI user admin.',
      'BMC started.',
    ]);
    expect(new Set(t2.sel.entries(id).map((e) => e.id)).size).toBe(3);
    await t2.close();
    await d2.close();
  });

  it('acquireTelemetry shares one instance per driver and closes it with the last release', async () => {
    const driver = new MemoryDriver({ nodes: [makeNode({ name: 's1' })] });
    const a = acquireTelemetry({ driver, scanIntervalMs: 0 });
    const b = acquireTelemetry({ driver, scanIntervalMs: 0 });
    expect(a.telemetry).toBe(b.telemetry);
    await a.telemetry.ready;
    expect(a.telemetry.sel.entries((await driver.list())[0]!.id)).toHaveLength(1);
    await a.release();
    const c = acquireTelemetry({ driver, scanIntervalMs: 0 });
    expect(c.telemetry).toBe(b.telemetry);
    await b.release();
    await c.release();
    const d = acquireTelemetry({ driver, scanIntervalMs: 0 });
    expect(d.telemetry).not.toBe(b.telemetry);
    await d.release();
    await driver.close();
  });
});
