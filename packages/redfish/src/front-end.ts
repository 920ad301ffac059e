import { acquireTelemetryFor, type FrontEnd, type FrontEndFactory } from '@bmc-emu/core';
import type { PasswordFile } from './accounts.js';
import type { RedfishSection } from './config-section.js';
import type { RedfishMount } from './mounts.js';
import { RedfishServer } from './server.js';

/** The Redfish front end serving `mounts` (e.g. the web console) on its listener as well. */
export function redfishFrontEndWith(extra: {
  mounts?: RedfishMount[];
  /** The accounts of `redfish.htpasswdFile`, read by serve. */
  passwordFile?: PasswordFile;
}): FrontEndFactory<RedfishSection> {
  return ({ init, shared, components }): FrontEnd | undefined => {
    if (!init.enabled) return undefined;
    const { telemetry, release } = acquireTelemetryFor({ shared, components });
    const server = new RedfishServer({
      driver: components.driver,
      logger: components.logger,
      cache: components.mediaCache,
      settings: init,
      shared,
      telemetry,
      mounts: extra.mounts ?? [],
      ...(components.events ? { bus: components.events } : {}),
      ...(components.bmcs ? { directory: components.bmcs } : {}),
      ...(extra.passwordFile ? { passwordFile: extra.passwordFile } : {}),
    });
    return {
      name: 'redfish',
      async start() {
        const url = await server.start();
        return [`redfish ${url} (user ${shared.user})`];
      },
      stop: async () => {
        await server.stop();
        await release();
      },
    };
  };
}

/** `bmc-emu serve` starts this; undefined when redfish.enabled is false. */
export const redfishFrontEnd: FrontEndFactory<RedfishSection> = redfishFrontEndWith({});
