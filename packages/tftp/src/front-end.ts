/** `bmc-emu serve` starts the TFTP server from config.tftp (disabled unless `enabled: true`). */
import type { FrontEnd, FrontEndFactory } from '@bmc-emu/core';
import { directoryProvider } from './file-source.js';
import { TftpServer } from './server.js';

export const tftpFrontEnd: FrontEndFactory = (ctx) => {
  const cfg = ctx.config.tftp;
  if (!cfg.enabled) return undefined;
  const server = new TftpServer({
    bind: ctx.config.bind,
    port: cfg.port,
    root: cfg.root,
    provider: directoryProvider(cfg.ipxeDir),
    maxBlksize: cfg.maxBlksize,
    maxWindowsize: cfg.maxWindowsize,
    timeoutMs: cfg.timeoutMs,
    maxRetries: cfg.maxRetries,
    allowWrite: cfg.allowWrite,
    logger: ctx.logger,
  });
  const fe: FrontEnd = {
    name: 'tftp',
    async start() {
      const a = await server.start();
      return [
        `tftp tftp://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}/ (root ${cfg.root}, then ${cfg.ipxeDir})`,
      ];
    },
    stop: () => server.stop(),
  };
  return fe;
};
