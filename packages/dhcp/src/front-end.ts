import { join, resolve } from 'node:path';
import { BootPolicy, errors, type FrontEnd, type FrontEndFactory } from '@bmc-emu/core';
import type { DhcpSection } from './config-section.js';
import { type InterfaceSection, interfaceSections } from './interfaces.js';
import { DhcpServer } from './server.js';

type Components = Parameters<FrontEndFactory<DhcpSection>>[0]['components'];

/** `bmc-emu serve` starts DHCP when dhcp.enabled: one server (one socket set) per served interface. */
export const dhcpFrontEnd: FrontEndFactory<DhcpSection> = ({ init, shared, components }) => {
  if (!init.enabled) return undefined;
  const servers = interfaceSections(init).map((s) => serverFor(s, shared.stateDir, components));
  const unregister: Array<() => void> = [];
  const fe: FrontEnd & { server: DhcpServer; servers: DhcpServer[] } = {
    name: 'dhcp',
    server: servers[0]!,
    servers,
    start: async () => {
      const lines: string[] = [];
      try {
        for (const server of servers) {
          lines.push(...(await server.start()));
          const off = components.names?.register(server);
          if (off) unregister.push(off);
        }
      } catch (err) {
        await fe.stop();
        throw err;
      }
      return lines;
    },
    stop: async () => {
      for (const off of unregister.splice(0)) off();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  return fe;
};

function serverFor(init: InterfaceSection, stateDir: string, components: Components): DhcpServer {
  const { biosFile, efiX64File, efiArm64File, httpBaseUrl, leaseFile, match, tags, ...serverKnobs } = init;
  const files = { biosFile, efiX64File, efiArm64File };
  // without a configured URL, boot HTTP is this host on the served network, whose address is known at start
  const bootPolicy = httpBaseUrl
    ? new BootPolicy({ httpBaseUrl, ...files })
    : (addr: string) => new BootPolicy({ httpBaseUrl: bootHttpUrlOf(components.bootHttpUrl, addr), ...files });
  return new DhcpServer({
    ...serverKnobs,
    // the config is frozen; the engine keeps its own copies
    match: match.map((m) => ({ ...m })),
    tags: structuredClone(tags),
    ...(init.interface ? { interfaceTag: init.interface } : {}),
    leaseFile: resolve(leaseFile ?? join(stateDir, `dhcp-leases${init.interface ? `-${init.interface}` : ''}.txt`)),
    logger: components.logger,
    bootPolicy,
  });
}

function bootHttpUrlOf(bootHttpUrl: ((addr: string) => string) | undefined, addr: string): string {
  if (!bootHttpUrl) {
    throw errors.invalidArgument(
      'DHCP hands iPXE clients a boot HTTP URL: set dhcp.httpBaseUrl, or give the front end the bootHttpUrl component.',
    );
  }
  return bootHttpUrl(addr);
}
