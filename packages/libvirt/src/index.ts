import type { Logger } from '@bmc-emu/core';
import { LibvirtDriver, type LibvirtDriverOptions } from './libvirt-driver.js';

export { LIBVIRT_BOOT_TARGETS } from './boot-config.js';
export { type DomainFacts, domainFacts } from './domain-facts.js';
export { addLibvirtHypervisor, createHypervisorSet, type HypervisorSetInit } from './hypervisors.js';
export { LibvirtDriver, type LibvirtDriverOptions } from './libvirt-driver.js';
export { type BmcState, METADATA_NS, readState } from './metadata.js';
export { type LibvirtSnapshot, LibvirtObjects, type VolumeInfo } from './objects.js';
export {
  DEFAULT_MEDIA_POOL,
  DEFAULT_MEDIA_POOL_PATH,
  mediaPlacement,
  type MediaPlacement,
  uploadsMedia,
  volumeName,
  volumeSha,
} from './media-placement.js';
export { probeLibvirt } from './probe.js';
export { type PlacedImage, RemoteMediaStore, type RemoteMediaStoreOptions } from './remote-media-store.js';
export { connectUri } from './remote-uri.js';
export { Virsh, virshError } from './virsh.js';
export { parseDomainXml } from './xml.js';

/** A started LibvirtDriver (every URI loaded once, events followed); fails when no URI answers. */
export async function createLibvirtDriver(opts: {
  uris: string[];
  pollIntervalMs?: number;
  logger?: Logger;
  options?: Partial<LibvirtDriverOptions>;
}): Promise<LibvirtDriver> {
  const driver = new LibvirtDriver({
    ...opts.options,
    uris: opts.uris,
    pollIntervalMs: opts.pollIntervalMs,
    logger: opts.logger,
  });
  try {
    await driver.start();
  } catch (err) {
    await driver.close();
    throw err;
  }
  return driver;
}
