import { resolve } from 'node:path';
import type { FrontEnd, FrontEndFactory } from '@bmc-emu/core';
import type { HttpSection } from './config-section.js';
import { type AccessLogEntry, BootHttpServer } from './server.js';

/** `bmc-emu serve` starts the boot HTTP server when `http.enabled` is true. */
export const bootHttpFrontEnd: FrontEndFactory<HttpSection> = ({ init, shared, components }): FrontEnd | undefined => {
  if (!init.enabled) return undefined;
  const server = new BootHttpServer({
    ...init,
    driver: components.driver,
    logger: components.logger,
    mediaCache: components.mediaCache,
    host: shared.bind,
    root: resolve(init.root),
    ignitionDir: init.ignitionDir && resolve(init.ignitionDir),
    templatesDir: init.templatesDir && resolve(init.templatesDir),
    stateDir: resolve(shared.stateDir, 'boot-http'),
  });
  const bus = components.events;
  if (bus) {
    server.on('access', (e: AccessLogEntry) =>
      bus.publish({ kind: 'http', path: e.path, status: e.status, bytes: e.bytes, ms: e.ms, peer: e.ip }),
    );
  }
  return {
    name: 'boot-http',
    async start() {
      const url = await server.start();
      return [`boot-http ${url}/boot.ipxe`];
    },
    stop: () => server.stop(),
  };
};

/**
 * Where boot HTTP is reached from `serverAddress` (an address of this host on a served network): publicUrl
 * when set, else http://<serverAddress>:<port>. DHCP hands this to iPXE clients.
 */
export function bootHttpUrl(http: Pick<HttpSection, 'publicUrl' | 'port'>): (serverAddress: string) => string {
  return (serverAddress) => http.publicUrl ?? `http://${serverAddress}:${http.port}`;
}
