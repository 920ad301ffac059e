import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import type { FrontEnd, FrontEndFactory } from '@bmc-emu/core';
import type { RedfishMount } from './mounts.js';
import { RedfishServer } from './server.js';

/** The Redfish front end serving `mounts` (e.g. the web console) on its listener as well. */
export function redfishFrontEndWith(extra: { mounts?: RedfishMount[] }): FrontEndFactory {
  return (ctx): FrontEnd | undefined => {
    const { config, driver, logger } = ctx;
    if (!config.redfish.enabled) return undefined;
    const log = logger.child({ component: 'redfish' });
    const cache = new MediaCache({
      dir: join(config.stateDir, 'media'),
      maxBytes: config.redfish.maxImageBytes,
      logger: log,
      insecureTls: true,
    });
    const server = new RedfishServer({ driver, config, logger: log, cache, mounts: extra.mounts ?? [] });
    return {
      name: 'redfish',
      async start() {
        const url = await server.start();
        return [`redfish ${url} (user ${config.user})`];
      },
      stop: () => server.stop(),
    };
  };
}

/** `bmc-emu serve` starts this; undefined when config.redfish.enabled is false. */
export const redfishFrontEnd: FrontEndFactory = redfishFrontEndWith({});
