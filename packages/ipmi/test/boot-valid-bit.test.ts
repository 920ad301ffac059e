import { demoNodes, MemoryDriver, silentLogger } from '@bmc-emu/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BootValidBit,
  type BmcProtocolState,
  decodeBootFlags,
  KEEP_VALID_ON,
  newProtocolState,
  overrideFromFlags,
} from './support/internals.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One node, its protocol state and a BootValidBit wired to the driver's events, as BmcEndpoint does. */
async function rig(timeoutMs = 60_000) {
  const driver = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0 });
  const node = (await driver.list())[0]!;
  const state: BmcProtocolState = newProtocolState();
  const bit = new BootValidBit({ driver, nodeId: node.id, state, timeoutMs, logger: silentLogger() });
  bit.seed(node.powerState, node.lastBoot?.at);
  const unwatch = driver.watch((e) => bit.nodeEvent(e));
  /** What Set System Boot Options parameter 5 does. */
  const writeFlags = async (bytes: number[]) => {
    const flags = decodeBootFlags(Buffer.from(bytes));
    await driver.setBootOverride(node.id, overrideFromFlags(flags));
    state.lastBootFlags = flags;
    bit.flagsWritten();
  };
  const close = async () => {
    bit.stop();
    unwatch();
    await driver.close();
  };
  return { driver, id: node.id, state, bit, writeFlags, close };
}

const PXE_PERSISTENT = [0xc0, 0x04, 0, 0, 0];
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('BootValidBit', () => {
  it('a power-on Chassis Control of a node already on is not a boot: a later external reset still clears', async () => {
    const r = await rig();
    cleanup = r.close;
    await r.driver.power(r.id, 'On');
    await sleep(5);
    await r.writeFlags(PXE_PERSISTENT);
    const done = r.bit.chassisControl('On');
    await r.driver.power(r.id, 'On');
    done(true);
    expect(r.bit.armed).toBe(true); // countdown restarted, flags not delivered
    await r.driver.power(r.id, 'ForceRestart'); // external
    await sleep(10);
    expect((await r.driver.getBootOverride(r.id)).enabled).toBe('Disabled');
    expect(r.state.lastBootFlags?.valid).toBe(false);
  });

  it('a refused booting Chassis Control leaves no token behind: the next external power-up clears', async () => {
    const r = await rig();
    cleanup = r.close;
    await r.writeFlags(PXE_PERSISTENT);
    const done = r.bit.chassisControl('PowerCycle');
    await expect(r.driver.power(r.id, 'PowerCycle')).rejects.toThrow();
    done(false);
    await r.driver.power(r.id, 'On'); // external power button
    await sleep(10);
    expect((await r.driver.getBootOverride(r.id)).enabled).toBe('Disabled');
  });

  it('a booting Chassis Control delivers the flags: no clear on its boot, countdown stopped', async () => {
    const r = await rig();
    cleanup = r.close;
    await r.driver.power(r.id, 'On');
    await sleep(5);
    await r.writeFlags(PXE_PERSISTENT);
    const done = r.bit.chassisControl('ForceRestart');
    await r.driver.power(r.id, 'ForceRestart');
    done(true);
    await sleep(10);
    expect(r.bit.armed).toBe(false);
    expect(await r.driver.getBootOverride(r.id)).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    expect((await r.driver.get(r.id)).lastBoot?.target).toBe('Pxe');
  });

  it('the timer leaves an override alone that someone else (Redfish) changed since', async () => {
    const r = await rig(40);
    cleanup = r.close;
    await r.writeFlags(PXE_PERSISTENT);
    await r.driver.setBootOverride(r.id, { target: 'Cd', enabled: 'Once' });
    await sleep(120);
    expect(await r.driver.getBootOverride(r.id)).toMatchObject({ target: 'Cd', enabled: 'Once' });
    expect(r.state.lastBootFlags?.valid).toBe(true);
  });

  it('each parameter 3 bit keeps the valid bit on its own event only', async () => {
    for (const [cause, bit] of [
      ['reset', KEEP_VALID_ON.reset],
      ['powerUp', KEEP_VALID_ON.powerUp],
    ] as const) {
      for (const keep of [true, false]) {
        const r = await rig();
        r.state.bootValidBitClearing = keep ? bit : 0x1f & ~bit;
        r.bit.clearingWritten();
        if (cause === 'reset') await r.driver.power(r.id, 'On');
        await sleep(5); // boots are told apart by lastBoot.at (millisecond resolution)
        await r.writeFlags(PXE_PERSISTENT);
        await r.driver.power(r.id, cause === 'reset' ? 'ForceRestart' : 'On');
        await sleep(10);
        const o = await r.driver.getBootOverride(r.id);
        expect(o.enabled, `${cause} keep=${keep}`).toBe(keep ? 'Continuous' : 'Disabled');
        await r.close();
      }
    }
  });

  it('parameter 3 bit 3 set after the flags stops the countdown; cleared again, it restarts it', async () => {
    const r = await rig(40);
    cleanup = r.close;
    await r.writeFlags(PXE_PERSISTENT);
    r.state.bootValidBitClearing = KEEP_VALID_ON.timeout;
    r.bit.clearingWritten();
    await sleep(100);
    expect((await r.driver.getBootOverride(r.id)).enabled).toBe('Continuous');
    r.state.bootValidBitClearing = 0;
    r.bit.clearingWritten();
    expect(r.bit.armed).toBe(true);
    await sleep(100);
    expect((await r.driver.getBootOverride(r.id)).enabled).toBe('Disabled');
  });

  it('a boot reported after the power state already reads On (as libvirt does) is still a power-up', async () => {
    for (const [clearing, cleared] of [
      [KEEP_VALID_ON.reset, true],
      [KEEP_VALID_ON.powerUp, false],
    ] as const) {
      const r = await rig();
      r.state.bootValidBitClearing = clearing;
      await r.writeFlags(PXE_PERSISTENT);
      const node = await r.driver.get(r.id);
      const on = { ...node, powerState: 'On' as const };
      r.bit.nodeEvent({ type: 'power', nodeId: r.id, node: { ...node, powerState: 'PoweringOn' } });
      r.bit.nodeEvent({ type: 'power', nodeId: r.id, node: on });
      const at = new Date(Date.now() + 1000).toISOString();
      r.bit.nodeEvent({ type: 'boot', nodeId: r.id, node: { ...on, lastBoot: { target: 'Pxe', mode: 'Legacy', at } } });
      await sleep(10);
      expect((await r.driver.getBootOverride(r.id)).enabled).toBe(cleared ? 'Disabled' : 'Continuous');
      await r.close();
    }
  });
});
