import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import { acquireTelemetryFor, type FrontEnd, type FrontEndFactory } from '@bmc-emu/core';
import { RedfishServer } from './server.js';

/** `bmc-emu serve` starts this; undefined when config.redfish.enabled is false. */
export const redfishFrontEnd: FrontEndFactory = (ctx): FrontEnd | undefined => {
  const { config, driver, logger } = ctx;
  if (!config.redfish.enabled) return undefined;
  const log = logger.child({ component: 'redfish' });
  const cache = new MediaCache({
    dir: join(config.stateDir, 'media'),
    maxBytes: config.redfish.maxImageBytes,
    logger: log,
    insecureTls: true,
  });
  const { telemetry, release } = acquireTelemetryFor(ctx);
  const server = new RedfishServer({ driver, config, logger: log, cache, telemetry });
  return {
    name: 'redfish',
    async start() {
      const url = await server.start();
      return [`redfish ${url} (user ${config.user})`];
    },
    stop: async () => {
      await server.stop();
      await release();
    },
  };
};
