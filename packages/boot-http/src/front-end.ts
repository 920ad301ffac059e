import { resolve } from 'node:path';
import type { FrontEnd, FrontEndFactory } from '@bmc-emu/core';
import { BootHttpServer } from './server.js';

/** `bmc-emu serve` starts the boot HTTP server when `http.enabled` is true. */
export const bootHttpFrontEnd: FrontEndFactory = (ctx): FrontEnd | undefined => {
  const http = ctx.config.http;
  if (!http.enabled) return undefined;
  const server = new BootHttpServer({
    driver: ctx.driver,
    host: ctx.config.bind,
    port: http.port,
    root: resolve(http.root),
    ignitionDir: http.ignitionDir ? resolve(http.ignitionDir) : undefined,
    ipxeDir: http.ipxeDir,
    templatesDir: http.templatesDir ? resolve(http.templatesDir) : undefined,
    stateDir: resolve(ctx.config.stateDir, 'boot-http'),
    publicUrl: http.publicUrl,
    roles: http.roles,
    nodes: http.nodes,
    defaultRole: http.defaultRole,
    logger: ctx.logger,
  });
  return {
    name: 'boot-http',
    async start() {
      const url = await server.start();
      return [`boot-http ${url}/boot.ipxe`];
    },
    stop: () => server.stop(),
  };
};
