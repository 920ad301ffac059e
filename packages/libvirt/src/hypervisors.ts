import { join } from 'node:path';
import {
  type HypervisorConfig,
  HypervisorSet,
  type HypervisorSetOptions,
  type Logger,
  silentLogger,
} from '@bmc-emu/core';
import { LibvirtDriver, type LibvirtDriverOptions } from './libvirt-driver.js';
import { connectUri } from './remote-uri.js';

export interface HypervisorSetInit {
  hypervisors: HypervisorConfig[];
  pollIntervalMs?: number;
  logger?: Logger;
  /** Per-hypervisor media go to `<mediaDir>/<name>`. */
  mediaDir?: string;
  options?: Partial<Omit<LibvirtDriverOptions, 'uris' | 'logger' | 'mediaDir'>>;
  /** Re-join probing of a down hypervisor (ms; HypervisorSet's defaults when absent). */
  probeIntervalMs?: number;
  maxProbeIntervalMs?: number;
  /** Called when a hypervisor goes down or comes back (HypervisorSet's onHealth). */
  onHealth?: HypervisorSetOptions['onHealth'];
}

/** The LibvirtDriver of one hypervisor: its own virsh connection, cache, `virsh event` stream and timeouts. */
function driverFor(h: HypervisorConfig, init: Omit<HypervisorSetInit, 'hypervisors'>, logger: Logger): LibvirtDriver {
  return new LibvirtDriver({
    ...init.options,
    uris: [connectUri(h)],
    pollIntervalMs: init.pollIntervalMs,
    virshTimeoutMs: h.commandTimeoutMs,
    logger: logger.child({ hypervisor: h.name }),
    ...(init.mediaDir ? { mediaDir: join(init.mediaDir, h.name) } : {}),
    ...(h.media || init.options?.media ? { media: { ...init.options?.media, ...h.media } } : {}),
  });
}

/**
 * One LibvirtDriver per hypervisor (each its own virsh connection, cache, `virsh event` stream and
 * timeouts) behind one HypervisorSet. Resolves once every hypervisor answered or was found down; fails
 * only when none answers.
 */
export async function createHypervisorSet(init: HypervisorSetInit): Promise<HypervisorSet> {
  const logger = init.logger ?? silentLogger();
  const drivers = init.hypervisors.map((h) => driverFor(h, init, logger));
  // a host that does not answer yet keeps polling on its own; the set marks it down and probes it
  await Promise.allSettled(drivers.map((d) => d.start()));
  const set = new HypervisorSet({
    name: 'libvirt',
    logger,
    members: init.hypervisors.map((h, i) => ({
      name: h.name,
      uri: h.uri,
      driver: drivers[i]!,
      timeoutMs: h.timeoutMs,
    })),
    probeIntervalMs: init.probeIntervalMs,
    maxProbeIntervalMs: init.maxProbeIntervalMs,
    ...(init.onHealth ? { onHealth: init.onHealth } : {}),
    // the drivers have loaded (or failed) already: the set's first list is a cache read, or one more try
    startTimeoutMs: Math.max(...init.hypervisors.map((h) => h.timeoutMs)),
  });
  try {
    await set.start();
  } catch (err) {
    await set.close();
    throw err;
  }
  return set;
}

/**
 * Connect a running set to one more libvirt hypervisor (same per-host isolation as the others). A host
 * that does not answer is added all the same: marked down, probed until it does.
 */
export async function addLibvirtHypervisor(
  set: HypervisorSet,
  h: HypervisorConfig,
  init: Omit<HypervisorSetInit, 'hypervisors'> = {},
): Promise<void> {
  const driver = driverFor(h, init, init.logger ?? silentLogger());
  await driver.start().catch(() => undefined);
  try {
    await set.add({ name: h.name, uri: h.uri, driver, timeoutMs: h.timeoutMs });
  } catch (err) {
    await driver.close();
    throw err;
  }
}
