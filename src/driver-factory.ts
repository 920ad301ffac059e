import {
  type BaseConfig,
  demoNodes,
  errors,
  type HypervisorConfig,
  isBmcEmuError,
  type HypervisorStatus,
  type Logger,
  MemoryDriver,
  type NodeDriver,
  resolveHypervisors,
} from '@bmc-emu/core';
import { connectUri, createHypervisorSet, probeLibvirt } from '@bmc-emu/libvirt';
import { managementPaths, readRegistry, registryHypervisors } from '@bmc-emu/manage';
import { type RegistryHypervisorSync, registryHypervisorSync } from './registry-hypervisors.js';

export interface DriverChoice {
  driver: NodeDriver;
  /** One line for the user: which driver and why. */
  description: string;
  /**
   * The BMC registry changed: connect to the libvirt URIs its records name that the driver does not serve
   * yet, and disconnect those no record names any more (libvirt only; configured hypervisors always stay).
   */
  registry?: RegistryHypervisorSync;
}

/** How long `auto` waits for libvirt to answer before falling back to memory. */
const AUTO_PROBE_MS = 2_000;

export interface DriverHooks {
  /** A hypervisor of the libvirt driver went down or came back. */
  onHealth?: (status: HypervisorStatus) => void;
}

/**
 * The configured hypervisors, plus one for each libvirt URI that a BMC registry record names (vbmc's
 * `libvirt_uri`) and no configured hypervisor has. A registry that cannot be read adds none here (serve
 * refuses it later with its path and line).
 */
async function hypervisorsFor(
  config: Readonly<BaseConfig>,
  logger: Logger,
): Promise<{ configured: HypervisorConfig[]; extra: HypervisorConfig[] }> {
  const configured = resolveHypervisors(config.driver);
  let records;
  try {
    records = (await readRegistry(managementPaths(config.stateDir).registry)).bmcs;
  } catch (err) {
    logger.warn({ err }, 'the BMC registry could not be read; its libvirt URIs are not connected to');
    return { configured, extra: [] };
  }
  const { extra, invalid } = registryHypervisors(configured, records);
  for (const uri of invalid) {
    const nodes = records.filter((r) => r.libvirtUri?.trim() === uri).map((r) => r.node);
    logger.warn({ uri, nodes }, 'a BMC record names something that is not a libvirt URI; not connected to');
  }
  for (const h of extra) {
    const nodes = records.filter((r) => r.libvirtUri?.trim() === h.uri).map((r) => r.node);
    logger.info({ hypervisor: h.name, uri: h.uri, nodes }, 'a hypervisor only the BMC registry names: connecting');
  }
  return { configured, extra };
}

async function libvirt(
  config: Readonly<BaseConfig>,
  logger: Logger,
  hooks: DriverHooks,
  found?: Awaited<ReturnType<typeof hypervisorsFor>>,
): Promise<DriverChoice> {
  const { configured, extra } = found ?? (await hypervisorsFor(config, logger));
  const hypervisors = [...configured, ...extra];
  const uris = hypervisors.map((h) => h.uri);
  const init = {
    pollIntervalMs: config.driver.pollIntervalMs,
    logger: logger.child({ driver: 'libvirt' }),
    mediaDir: `${config.stateDir}/media`,
    ...(hooks.onHealth ? { onHealth: hooks.onHealth } : {}),
  };
  try {
    const driver = await createHypervisorSet({ hypervisors, ...init });
    const registry = registryHypervisorSync(driver, extra, init, logger);
    const named = (hs: HypervisorConfig[]) => hs.map((h) => `${h.name} (${h.uri})`).join(', ');
    let where = config.driver.hypervisors?.length
      ? `hypervisors ${named(configured)}`
      : configured.map((h) => h.uri).join(', ');
    if (extra.length) where += `; from the BMC registry: ${named(extra)}`;
    return { driver, description: `libvirt driver on ${where}`, registry };
  } catch (err) {
    if (isBmcEmuError(err)) throw err;
    throw errors.driverUnavailable(`libvirt (${uris.join(', ')})`, (err as Error).message, err);
  }
}

/** memory, or libvirt (explicit or found by `auto`). */
export async function createDriver(
  config: Readonly<BaseConfig>,
  logger: Logger,
  hooks: DriverHooks = {},
): Promise<DriverChoice> {
  const kind = config.driver.kind;
  if (kind === 'libvirt') return libvirt(config, logger, hooks);
  if (kind === 'auto') {
    const found = await hypervisorsFor(config, logger);
    const all = [...found.configured, ...found.extra];
    const answers = await Promise.all(all.map((h) => probeLibvirt(connectUri(h), AUTO_PROBE_MS)));
    if (answers.some(Boolean)) return libvirt(config, logger, hooks, found);
  }
  const driver = new MemoryDriver({ nodes: demoNodes(config.driver.demoNodes) });
  const why = kind === 'auto' ? ' (no libvirt found)' : '';
  logger.debug({ nodes: config.driver.demoNodes }, 'memory driver with demo nodes');
  return {
    driver,
    description: `memory driver with ${config.driver.demoNodes} demo node(s)${why}`,
  };
}
