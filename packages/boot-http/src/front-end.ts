import { resolve } from 'node:path';
import type { FrontEnd, FrontEndFactory } from '@bmc-emu/core';
import type { HttpSection } from './config-section.js';
import { type AccessLogEntry, BootHttpServer, type ExtraHandler } from './server.js';

/** The boot HTTP front end answering `extraHandlers` (e.g. `GET /metrics`) before its own routes. */
export function bootHttpFrontEndWith(extra: { extraHandlers?: ExtraHandler[] }): FrontEndFactory<HttpSection> {
  return (ctx) => bootHttpFrontEndOf(ctx, extra.extraHandlers ?? []);
}

/** `bmc-emu serve` starts the boot HTTP server when `http.enabled` is true. */
export const bootHttpFrontEnd: FrontEndFactory<HttpSection> = (ctx) => bootHttpFrontEndOf(ctx, []);

function bootHttpFrontEndOf(
  { init, shared, components }: Parameters<FrontEndFactory<HttpSection>>[0],
  extraHandlers: ExtraHandler[],
): FrontEnd | undefined {
  if (!init.enabled) return undefined;
  const server = new BootHttpServer({
    ...init,
    extraHandlers,
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
  const peers = components.peers;
  if (bus) {
    server.on('access', (e: AccessLogEntry) => {
      if (e.mac) peers?.learn(e.ip, e.mac);
      const mac = e.mac ?? peers?.macOfIp(e.ip);
      const node = mac === undefined ? undefined : peers?.nodeOfMac(mac);
      bus.publish({
        kind: 'http',
        ...(node ? { node } : {}),
        path: e.path,
        status: e.status,
        bytes: e.bytes,
        ms: e.ms,
        peer: e.ip,
        ...(mac ? { mac } : {}),
      });
    });
  }
  return {
    name: 'boot-http',
    async start() {
      const url = await server.start();
      return [`boot-http ${url}/boot.ipxe`];
    },
    stop: () => server.stop(),
  };
}

/**
 * Where boot HTTP is reached from `serverAddress` (an address of this host on a served network): publicUrl
 * when set, else http://<serverAddress>:<port>. DHCP hands this to iPXE clients.
 */
export function bootHttpUrl(http: Pick<HttpSection, 'publicUrl' | 'port'>): (serverAddress: string) => string {
  return (serverAddress) => http.publicUrl ?? `http://${serverAddress}:${http.port}`;
}
