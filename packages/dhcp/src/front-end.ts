import { join, resolve } from 'node:path';
import { BootPolicy, errors, type FrontEnd, type FrontEndFactory } from '@bmc-emu/core';
import type { DhcpSection } from './config-section.js';
import { type InterfaceSection, interfaceSections } from './interfaces.js';
import { MacIndex } from './mac-index.js';
import { DhcpServer } from './server.js';

type Components = Parameters<FrontEndFactory<DhcpSection>>[0]['components'];

/** `bmc-emu serve` starts DHCP when dhcp.enabled: one server (one socket set) per served interface. */
export const dhcpFrontEnd: FrontEndFactory<DhcpSection> = ({ init, shared, components }) => {
  if (!init.enabled) return undefined;
  const macs = components.events ? new MacIndex(components.driver) : undefined;
  const servers = interfaceSections(init).map((s) => serverFor(s, shared.stateDir, components, macs));
  const unregister: Array<() => void> = [];
  const fe: FrontEnd & { server: DhcpServer; servers: DhcpServer[] } = {
    name: 'dhcp',
    server: servers[0]!,
    servers,
    start: async () => {
      const lines: string[] = [];
      try {
        await macs?.start();
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
    gauges: () => [
      {
        name: 'bmcemu_dhcp_leases_active',
        help: 'Unexpired DHCP leases (offered or bound) in the dynamic range, per subnet.',
        labelNames: ['subnet'],
        read: () =>
          servers.flatMap((s) => s.leaseUsage()).map((u) => ({ labels: { subnet: u.subnet }, value: u.active })),
      },
      {
        name: 'bmcemu_dhcp_leases_free',
        help: 'Addresses of the dynamic range not leased, per subnet.',
        labelNames: ['subnet'],
        read: () =>
          servers.flatMap((s) => s.leaseUsage()).map((u) => ({ labels: { subnet: u.subnet }, value: u.free })),
      },
    ],
    stop: async () => {
      for (const off of unregister.splice(0)) off();
      macs?.stop();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  return fe;
};

function serverFor(init: InterfaceSection, stateDir: string, components: Components, macs?: MacIndex): DhcpServer {
  const { biosFile, efiX64File, efiArm64File, httpBaseUrl, leaseFile, match, tags, ignore, ...serverKnobs } = init;
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
    ignore: [...ignore],
    ...(init.interface ? { interfaceTag: init.interface } : {}),
    leaseFile: resolve(leaseFile ?? join(stateDir, `dhcp-leases${init.interface ? `-${init.interface}` : ''}.txt`)),
    logger: components.logger,
    bootPolicy,
    ...(macs ? { events: components.events, nodeOfMac: (mac: string) => macs.nodeOf(mac) } : {}),
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
