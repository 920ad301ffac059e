import {
  type BaseConfig,
  demoNodes,
  errors,
  isBmcEmuError,
  type HypervisorStatus,
  type Logger,
  MemoryDriver,
  type NodeDriver,
  resolveHypervisors,
} from '@bmc-emu/core';
import { connectUri, createHypervisorSet, probeLibvirt } from '@bmc-emu/libvirt';

export interface DriverChoice {
  driver: NodeDriver;
  /** One line for the user: which driver and why. */
  description: string;
}

/** How long `auto` waits for libvirt to answer before falling back to memory. */
const AUTO_PROBE_MS = 2_000;

export interface DriverHooks {
  /** A hypervisor of the libvirt driver went down or came back. */
  onHealth?: (status: HypervisorStatus) => void;
}

async function libvirt(config: Readonly<BaseConfig>, logger: Logger, hooks: DriverHooks): Promise<DriverChoice> {
  const hypervisors = resolveHypervisors(config.driver);
  const uris = hypervisors.map((h) => h.uri);
  try {
    const driver = await createHypervisorSet({
      hypervisors,
      pollIntervalMs: config.driver.pollIntervalMs,
      logger: logger.child({ driver: 'libvirt' }),
      mediaDir: `${config.stateDir}/media`,
      ...(hooks.onHealth ? { onHealth: hooks.onHealth } : {}),
    });
    const where = config.driver.hypervisors?.length
      ? `hypervisors ${hypervisors.map((h) => `${h.name} (${h.uri})`).join(', ')}`
      : uris.join(', ');
    return { driver, description: `libvirt driver on ${where}` };
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
    const answers = await Promise.all(
      resolveHypervisors(config.driver).map((h) => probeLibvirt(connectUri(h), AUTO_PROBE_MS)),
    );
    if (answers.some(Boolean)) return libvirt(config, logger, hooks);
  }
  const driver = new MemoryDriver({ nodes: demoNodes(config.driver.demoNodes) });
  const why = kind === 'auto' ? ' (no libvirt found)' : '';
  logger.debug({ nodes: config.driver.demoNodes }, 'memory driver with demo nodes');
  return {
    driver,
    description: `memory driver with ${config.driver.demoNodes} demo node(s)${why}`,
  };
}
