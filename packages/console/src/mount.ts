import type { EventBus, Logger, Node, NodeDriver } from '@bmc-emu/core';
import type { RedfishMount } from '@bmc-emu/redfish';
import { CONSOLE_PREFIX, createConsoleHandler, type LabsSource } from './console-handler.js';

export interface ConsoleMountOptions {
  driver: NodeDriver;
  bus: EventBus;
  logger: Logger;
  /** The address clients reach the Redfish listener on (shown in the rack's redfish+https:// addresses). */
  host: string;
  ipmiEndpoint?: (node: Node, index: number) => string | undefined;
  assetsDir?: string;
  labs?: LabsSource;
}

/** The console as a mount of the Redfish listener: same port, same TLS, the Redfish accounts and image cache. */
export function consoleMount(opts: ConsoleMountOptions): RedfishMount {
  return {
    prefix: CONSOLE_PREFIX,
    attach: (services) =>
      createConsoleHandler({
        driver: opts.driver,
        bus: opts.bus,
        logger: opts.logger,
        auth: services.auth,
        cache: services.cache,
        tls: services.tls,
        host: opts.host,
        port: services.port,
        ...(opts.ipmiEndpoint ? { ipmiEndpoint: opts.ipmiEndpoint } : {}),
        ...(opts.assetsDir ? { assetsDir: opts.assetsDir } : {}),
        ...(opts.labs ? { labs: opts.labs } : {}),
      }),
  };
}
