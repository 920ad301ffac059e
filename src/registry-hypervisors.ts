import type { HypervisorConfig, HypervisorSet, Logger } from '@bmc-emu/core';
import { addLibvirtHypervisor, type HypervisorSetInit } from '@bmc-emu/libvirt';
import { type BmcRecord, registryHypervisors } from '@bmc-emu/manage';

type Records = readonly Pick<BmcRecord, 'node' | 'libvirtUri'>[];

/** Keeps the hypervisors that only BMC registry records name in step with the registry. */
export interface RegistryHypervisorSync {
  /** Connect to the libvirt URIs the records name that the driver does not serve yet (before the BMCs open). */
  join(records: Records): Promise<void>;
  /**
   * Disconnect the hypervisors added for a record once no record names their URI any more (after the BMCs
   * closed). A configured hypervisor is never dropped, whatever the records say.
   */
  prune(records: Records): Promise<void>;
}

export function registryHypervisorSync(
  driver: HypervisorSet,
  /** The hypervisors serve connected to at start because only the registry named them. */
  initial: readonly HypervisorConfig[],
  init: Omit<HypervisorSetInit, 'hypervisors'>,
  logger: Logger,
): RegistryHypervisorSync {
  const fromRegistry = new Set(initial.map((h) => h.name));
  const nodesOf = (records: Records, uri: string) =>
    records.filter((r) => r.libvirtUri?.trim() === uri.trim()).map((r) => r.node);
  // one registry change at a time, so two changes naming the same new URI add it once
  let queue = Promise.resolve();
  const serial = (work: () => Promise<void>) => (queue = queue.then(work));
  return {
    join: (records) =>
      serial(async () => {
        for (const h of registryHypervisors(driver.hypervisors(), records).extra) {
          logger.info(
            { hypervisor: h.name, uri: h.uri, nodes: nodesOf(records, h.uri) },
            'a BMC record names a new hypervisor: connecting',
          );
          try {
            await addLibvirtHypervisor(driver, h, init);
            fromRegistry.add(h.name);
          } catch (err) {
            logger.warn({ err, hypervisor: h.name }, 'could not add the hypervisor a BMC record names');
          }
        }
      }),
    prune: (records) =>
      serial(async () => {
        for (const h of driver.hypervisors()) {
          if (!fromRegistry.has(h.name) || nodesOf(records, h.uri).length > 0) continue;
          logger.info(
            { hypervisor: h.name, uri: h.uri },
            'no BMC record names this hypervisor any more: disconnecting',
          );
          try {
            await driver.remove(h.name);
            fromRegistry.delete(h.name);
          } catch (err) {
            logger.warn({ err, hypervisor: h.name }, 'could not disconnect the hypervisor');
          }
        }
      }),
  };
}
