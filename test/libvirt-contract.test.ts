import { createLibvirtDriver } from '@bmc-emu/libvirt';
import { afterAll, beforeAll, describe } from 'vitest';
import { driverContract } from '../packages/core/test/contract/driver-contract.js';
import { defineTestDomain, type Libvirtd, libvirtPeers, startLibvirtd, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';

libvirtPeers.describe('libvirt driver: NodeDriver contract on a real libvirtd (TCG domain)', () => {
  let lv: Libvirtd | undefined;
  beforeAll(async () => {
    lv = await startLibvirtd();
  }, LIBVIRTD_SETUP_MS);
  afterAll(async () => {
    await lv?.stop();
  });

  describe('contract', () => {
    driverContract(
      async () => {
        const dom = defineTestDomain('contract');
        const driver = await createLibvirtDriver({ uris: [lv!.uri], pollIntervalMs: 1_000 });
        return {
          driver,
          nodeId: dom.uuid,
          isoPath: dom.isoPath,
          cleanup: async () => {
            await driver.close();
            dom.remove();
          },
        };
      },
      { gracefulShutdownWorks: false, powerTimeoutMs: 20_000 },
    );
  });
});
