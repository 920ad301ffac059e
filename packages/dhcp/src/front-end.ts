import { join, resolve } from 'node:path';
import { BootPolicy, errors, type FrontEnd, type FrontEndFactory } from '@bmc-emu/core';
import type { DhcpSection } from './config-section.js';
import { DhcpServer } from './server.js';

/** `bmc-emu serve` starts DHCP when dhcp.enabled. */
export const dhcpFrontEnd: FrontEndFactory<DhcpSection> = ({ init, shared, components }) => {
  if (!init.enabled) return undefined;
  const { biosFile, efiX64File, efiArm64File, httpBaseUrl, leaseFile, ...serverKnobs } = init;
  const files = { biosFile, efiX64File, efiArm64File };
  // without a configured URL, boot HTTP is this host on the served network, whose address is known at start
  const bootPolicy = httpBaseUrl
    ? new BootPolicy({ httpBaseUrl, ...files })
    : (addr: string) => new BootPolicy({ httpBaseUrl: bootHttpUrlOf(components.bootHttpUrl, addr), ...files });
  const server = new DhcpServer({
    ...serverKnobs,
    leaseFile: resolve(
      leaseFile ?? join(shared.stateDir, `dhcp-leases${init.interface ? `-${init.interface}` : ''}.txt`),
    ),
    logger: components.logger,
    bootPolicy,
  });
  let unregister: (() => void) | undefined;
  const fe: FrontEnd & { server: DhcpServer } = {
    name: 'dhcp',
    server,
    start: async () => {
      const lines = await server.start();
      unregister = components.names?.register(server);
      return lines;
    },
    stop: () => {
      unregister?.();
      return server.stop();
    },
  };
  return fe;
};

function bootHttpUrlOf(bootHttpUrl: ((addr: string) => string) | undefined, addr: string): string {
  if (!bootHttpUrl) {
    throw errors.invalidArgument(
      'DHCP hands iPXE clients a boot HTTP URL: set dhcp.httpBaseUrl, or give the front end the bootHttpUrl component.',
    );
  }
  return bootHttpUrl(addr);
}
