/** `bmc-emu serve` starts the TFTP server from the tftp section (disabled unless `enabled: true`). */
import type { FrontEnd, FrontEndFactory } from '@bmc-emu/core';
import type { TftpSection } from './config-section.js';
import { directoryProvider } from './file-source.js';
import { TftpServer } from './server.js';

export const tftpFrontEnd: FrontEndFactory<TftpSection> = ({ init, shared, components }) => {
  if (!init.enabled) return undefined;
  const server = new TftpServer({
    ...init,
    bind: shared.bind,
    provider: directoryProvider(init.ipxeDir),
    logger: components.logger,
    events: components.events,
    nodeOfPeer: components.peers && ((address: string) => components.peers?.nodeOfIp(address)),
  });
  const fe: FrontEnd = {
    name: 'tftp',
    async start() {
      const a = await server.start();
      return [
        `tftp tftp://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}/ (root ${init.root}, then ${init.ipxeDir})`,
      ];
    },
    stop: () => server.stop(),
  };
  return fe;
};
