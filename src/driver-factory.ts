import { type Config, demoNodes, errors, type Logger, MemoryDriver, type NodeDriver } from '@bmc-emu/core';

export interface DriverChoice {
  driver: NodeDriver;
  /** One line for the user: which driver and why. */
  description: string;
}

/** memory, or libvirt (explicit or found by `auto`). */
export async function createDriver(config: Readonly<Config>, logger: Logger): Promise<DriverChoice> {
  const kind = config.driver.kind;
  if (kind === 'libvirt') {
    throw errors.unsupported('The libvirt driver is not available in this build.');
  }
  const driver = new MemoryDriver({ nodes: demoNodes(config.driver.demoNodes) });
  const why = kind === 'auto' ? ' (no libvirt found)' : '';
  logger.debug({ nodes: config.driver.demoNodes }, 'memory driver with demo nodes');
  return {
    driver,
    description: `memory driver with ${config.driver.demoNodes} demo node(s)${why}`,
  };
}
