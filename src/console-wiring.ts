import type { BmcDirectory, EventBus, Logger, NodeDriver } from '@bmc-emu/core';
import { consoleMount } from '@bmc-emu/console';
import type { LabBook } from '@bmc-emu/manage';
import type { RedfishMount } from '@bmc-emu/redfish';
import type { Config } from './config-schema.js';
import { ipmiPortsFor } from './ipmi-ports.js';

export interface ConsoleWiring {
  mounts: RedfishMount[];
  /** Call once the front ends are up: the IPMI port map is then on disk. */
  ready(): Promise<void>;
}

/** The web console on the Redfish listener, unless `console.enabled: false` (or Redfish is off). */
export function wireConsole(
  config: Readonly<Config>,
  driver: NodeDriver,
  bus: EventBus,
  logger: Logger,
  labs?: LabBook,
  directory?: BmcDirectory,
): ConsoleWiring {
  if (!config.console.enabled || !config.redfish.enabled) return { mounts: [], ready: async () => undefined };
  let ipmiPort: (node: { id: string; name: string }, index: number) => string = () => '-';
  const host = config.bind === '0.0.0.0' || config.bind === '::' ? '127.0.0.1' : config.bind;
  const mount = consoleMount({
    driver,
    bus,
    logger: logger.child({ component: 'console' }),
    host,
    ...(labs ? { labs } : {}),
    ipmiEndpoint: (node, index) => {
      const p = ipmiPort(node, index);
      if (p === '-' || p === '?') return undefined;
      return p.includes(':') ? `ipmi://${p}` : `ipmi://${host.includes(':') ? `[${host}]` : host}:${p}`;
    },
  });
  return {
    mounts: [mount],
    async ready() {
      ipmiPort = await ipmiPortsFor(config, directory);
    },
  };
}
