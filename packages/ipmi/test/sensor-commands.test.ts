import { makeNode, MemoryDriver, silentLogger, Telemetry } from '@bmc-emu/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../src/commands/context.js';
import { newProtocolState } from '../src/commands/context.js';
import { dispatch } from '../src/commands/dispatch.js';

let driver: MemoryDriver;
let telemetry: Telemetry;
let nodeId: string;

beforeAll(async () => {
  driver = new MemoryDriver({ nodes: [makeNode({ name: 'c1' })], transitionMs: 0 });
  telemetry = new Telemetry({ driver, scanIntervalMs: 0 });
  await telemetry.ready;
  nodeId = (await driver.list())[0]!.id;
});
afterAll(async () => {
  await telemetry.close();
  await driver.close();
});

function ctx(privilege = 4): CommandContext {
  return {
    driver,
    nodeId,
    credentials: { user: 'admin', password: 'password' },
    state: newProtocolState(),
    session: { state: 'active', privilege, userName: Buffer.from('admin') },
    framing: '2.0',
    ipmi15: true,
    kgSet: false,
    port: 623,
    address: '127.0.0.1',
    telemetry,
    logger: silentLogger(),
    powerAnswerMs: 100,
  } as unknown as CommandContext;
}

const call = (c: CommandContext, netFn: number, cmd: number, data: number[]) =>
  dispatch(c, {
    netFn,
    cmd,
    data: Buffer.from(data),
    rqSeq: 1,
    rqAddr: 0x81,
    rsAddr: 0x20,
    rqLun: 0,
    rsLun: 0,
  } as never);

describe('sensor, SDR, SEL, LAN and DCMI commands answer bad input with the right completion code', () => {
  it('short requests are 0xC7, unknown sensors and records 0xCB, stale reservations 0xC5', async () => {
    const c = ctx();
    expect((await call(c, 0x04, 0x2d, [])).cc).toBe(0xc7);
    expect((await call(c, 0x04, 0x2d, [0x99])).cc).toBe(0xcb);
    expect((await call(c, 0x04, 0x2d, [0x01])).cc).toBe(0);
    expect((await call(c, 0x04, 0x26, [0x22, 0, 0, 0, 0, 0, 0, 0])).cc).toBe(0xcd); // PSU1 Voltage: nothing settable
    expect((await call(c, 0x0a, 0x23, [0, 0, 1, 0])).cc).toBe(0xc7);
    expect((await call(c, 0x0a, 0x23, [0, 0, 0x77, 0x77, 0, 0xff])).cc).toBe(0xcb);
    expect((await call(c, 0x0a, 0x23, [9, 9, 1, 0, 5, 10])).cc).toBe(0xc5); // partial read, no reservation
    const r = await call(c, 0x0a, 0x22, []);
    const partial = await call(c, 0x0a, 0x23, [...r.data!, 1, 0, 5, 10]);
    expect(partial.cc).toBe(0);
    expect(partial.data!.length).toBe(2 + 10);
    expect((await call(c, 0x0a, 0x23, [...r.data!, 1, 0, 0, 100])).cc).toBe(0xca);
  });

  it('Clear SEL wants the reservation and "CLR"; a clear cancels the reservation', async () => {
    const c = ctx();
    expect((await call(c, 0x0a, 0x47, [1, 0, 0x43, 0x4c, 0x52, 0xaa])).cc).toBe(0xc5);
    const r = (await call(c, 0x0a, 0x42, [])).data!;
    expect((await call(c, 0x0a, 0x47, [...r, 0x43, 0x4c, 0x58, 0xaa])).cc).toBe(0xcc);
    expect((await call(c, 0x0a, 0x47, [...r, 0x43, 0x4c, 0x52, 0xaa])).cc).toBe(0);
    expect((await call(c, 0x0a, 0x47, [...r, 0x43, 0x4c, 0x52, 0xaa])).cc).toBe(0xc5);
    expect(telemetry.sel.entries(nodeId).map((e) => e.kind)).toEqual(['cleared']);
  });

  it('Set LAN: the current value is accepted, another 0x82, a wrong length 0xC7, an unknown parameter 0x80', async () => {
    const c = ctx();
    expect((await call(c, 0x0c, 0x01, [0x01, 3, 127, 0, 0, 1])).cc).toBe(0);
    expect((await call(c, 0x0c, 0x01, [0x01, 3, 10, 0, 0, 1])).cc).toBe(0x82);
    expect((await call(c, 0x0c, 0x01, [0x01, 3, 10, 0])).cc).toBe(0xc7);
    expect((await call(c, 0x0c, 0x01, [0x01, 99, 1])).cc).toBe(0x80);
    expect((await call(c, 0x0c, 0x02, [0x05, 3, 0, 0])).cc).toBe(0xcc); // not the LAN channel
    expect((await call(c, 0x0c, 0x01, [0x01, 0, 1])).cc).toBe(0);
    expect((await call(c, 0x0c, 0x01, [0x01, 0, 1])).cc).toBe(0x81); // set in progress twice
    expect((await call(ctx(3), 0x0c, 0x01, [0x01, 0, 0])).cc).toBe(0xd4); // operator may not write
  });

  it('property: arbitrary data to every new command gets a completion code, never an exception', async () => {
    const commands: [number, number][] = [
      [0x04, 0x23],
      [0x04, 0x25],
      [0x04, 0x27],
      [0x04, 0x29],
      [0x04, 0x2b],
      [0x04, 0x2d],
      [0x04, 0x2f],
      [0x0a, 0x20],
      [0x0a, 0x22],
      [0x0a, 0x23],
      [0x0a, 0x40],
      [0x0a, 0x41],
      [0x0a, 0x42],
      [0x0a, 0x43],
      [0x0a, 0x47],
      [0x0a, 0x48],
      [0x0a, 0x49],
      [0x0c, 0x01],
      [0x0c, 0x02],
      [0x2c, 0x01],
      [0x2c, 0x02],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.uint8Array({ maxLength: 24 }), async ([netFn, cmd], data) => {
        const r = await call(ctx(), netFn, cmd, [...data]);
        expect(r.cc).toBeGreaterThanOrEqual(0);
        expect(r.cc).toBeLessThanOrEqual(0xff);
        expect(r.cc === 0xff).toBe(false); // never "unspecified": every refusal has its code
      }),
      { numRuns: 400 },
    );
  });
});
