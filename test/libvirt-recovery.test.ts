/**
 * Kill libvirtd under a running driver: callers get BMCEMU_DRIVER_UNAVAILABLE quickly (no crash, no
 * operation stuck in a node's queue), and the driver recovers by itself once libvirtd is back.
 */
import { ErrorCode, isBmcEmuError, waitForPower } from '@bmc-emu/core';
import { createLibvirtDriver, type LibvirtDriver } from '@bmc-emu/libvirt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  defineTestDomain,
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  type TestDomain,
  virsh,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';

libvirtPeers.describe('libvirt driver: libvirtd killed mid-run', () => {
  let lv: Libvirtd | undefined;
  let dom: TestDomain;
  let driver: LibvirtDriver;
  const POLL_MS = 500;
  beforeAll(async () => {
    lv = await startLibvirtd();
    dom = defineTestDomain('recovery');
    driver = await createLibvirtDriver({ uris: [lv.uri], pollIntervalMs: POLL_MS });
    await driver.power(dom.uuid, 'On');
    await waitForPower(driver, dom.uuid, 'On', 20_000);
  }, LIBVIRTD_SETUP_MS);
  afterAll(async () => {
    await driver?.close();
    dom?.remove();
    await lv?.stop();
  });

  it('reports BMCEMU_DRIVER_UNAVAILABLE for reads and writes, promptly, while libvirtd is dead', async () => {
    const killedAt = Date.now();
    await lv!.kill();
    let err: unknown;
    for (let i = 0; i < 50; i++) {
      err = await driver.get(dom.uuid).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (err) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(isBmcEmuError(err, ErrorCode.DriverUnavailable)).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const list = await driver.list().catch((e: unknown) => e);
    expect(isBmcEmuError(list, ErrorCode.DriverUnavailable)).toBe(true);

    // a pile of operations on the node: every one settles with the typed error, none hangs
    const t0 = Date.now();
    const ops = await Promise.allSettled([
      driver.power(dom.uuid, 'ForceOff'),
      driver.power(dom.uuid, 'ForceRestart'),
      driver.setBootOverride(dom.uuid, { target: 'Pxe', enabled: 'Once' }),
      driver.insertMedia(dom.uuid, 'Cd', { kind: 'path', path: dom.isoPath }),
      driver.setBiosPending(dom.uuid, { ProcTurboMode: 'Disabled' }),
    ]);
    expect(ops.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    for (const r of ops) {
      expect(isBmcEmuError((r as PromiseRejectedResult).reason, ErrorCode.DriverUnavailable)).toBe(true);
    }
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a hung libvirtd (SIGSTOP) cannot hold a node queue: calls time out as BMCEMU_DRIVER_UNAVAILABLE', async () => {
    await lv!.restart();
    const hung = await createLibvirtDriver({
      uris: [lv!.uri],
      pollIntervalMs: 60_000,
      options: { virshTimeoutMs: 1_500 },
    });
    try {
      process.kill(lv!.pid, 'SIGSTOP');
      const t0 = Date.now();
      const ops = await Promise.allSettled([hung.power(dom.uuid, 'ForceOff'), hung.power(dom.uuid, 'ForceOff')]);
      for (const r of ops) {
        expect(r.status).toBe('rejected');
        expect(isBmcEmuError((r as PromiseRejectedResult).reason, ErrorCode.DriverUnavailable)).toBe(true);
      }
      expect(Date.now() - t0).toBeLessThan(12_000);
    } finally {
      process.kill(lv!.pid, 'SIGCONT');
      await hung.close();
    }
    expect(virsh('domstate', dom.name).trim()).toBe('running');
    await lv!.kill();
  });

  it('works again by itself after libvirtd restarts: the guest kept running, power works, events resume', async () => {
    await lv!.restart();
    const deadline = Date.now() + 10 * POLL_MS + 5_000;
    let node = await driver.get(dom.uuid).catch(() => undefined);
    while (!node && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      node = await driver.get(dom.uuid).catch(() => undefined);
    }
    expect(node?.powerState).toBe('On');
    await driver.power(dom.uuid, 'ForceOff');
    expect((await waitForPower(driver, dom.uuid, 'Off', 20_000)).powerState).toBe('Off');
    expect(virsh('domstate', dom.name).trim()).toBe('shut off');
    // an outside change reaches the cache (events or polling), proving the refresh loop is alive
    virsh('start', dom.name);
    expect((await waitForPower(driver, dom.uuid, 'On', 10_000)).powerState).toBe('On');
  });
});
