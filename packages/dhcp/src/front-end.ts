import { join, resolve } from 'node:path';
import { BootPolicy, type FrontEnd, type FrontEndFactory } from '@bmc-emu/core';
import { DhcpServer } from './server.js';

/** `bmc-emu serve` starts DHCP when config.dhcp.enabled. */
export const dhcpFrontEnd: FrontEndFactory = ({ config, logger, names }) => {
  const d = config.dhcp;
  if (!d.enabled) return undefined;
  const files = {
    ...(d.biosFile ? { biosFile: d.biosFile } : {}),
    ...(d.efiX64File ? { efiX64File: d.efiX64File } : {}),
    ...(d.efiArm64File ? { efiArm64File: d.efiArm64File } : {}),
  };
  const configured = d.httpBaseUrl ?? config.http.publicUrl;
  // without a configured URL, boot HTTP is this host on the served network, whose address is known at start
  const bootPolicy = configured
    ? new BootPolicy({ httpBaseUrl: configured, ...files })
    : (addr: string) => new BootPolicy({ httpBaseUrl: `http://${addr}:${config.http.port}`, ...files });
  const server = new DhcpServer({
    mode: d.mode,
    ...(d.interface ? { interface: d.interface } : {}),
    ...(d.serverAddress ? { serverAddress: d.serverAddress } : {}),
    ...(d.subnet ? { subnet: d.subnet } : {}),
    ...(d.rangeStart ? { rangeStart: d.rangeStart } : {}),
    ...(d.rangeEnd ? { rangeEnd: d.rangeEnd } : {}),
    ...(d.router ? { router: d.router } : {}),
    ...(d.domain ? { domain: d.domain } : {}),
    ...(d.tftpServer ? { tftpServer: d.tftpServer } : {}),
    dns: d.dns,
    domainSearch: d.domainSearch,
    leaseTimeSec: d.leaseTimeSec,
    knownHostsOnly: d.knownHostsOnly,
    reservations: d.reservations,
    subnets: d.subnets.map(({ rangeStart, rangeEnd, router, domain, leaseTimeSec, ...rest }) => ({
      ...rest,
      ...(rangeStart ? { rangeStart } : {}),
      ...(rangeEnd ? { rangeEnd } : {}),
      ...(router ? { router } : {}),
      ...(domain ? { domain } : {}),
      ...(leaseTimeSec ? { leaseTimeSec } : {}),
    })),
    port: d.port,
    leaseFile: resolve(d.leaseFile ?? join(config.stateDir, `dhcp-leases${d.interface ? `-${d.interface}` : ''}.txt`)),
    logger,
    bootPolicy,
  });
  let unregister: (() => void) | undefined;
  const fe: FrontEnd & { server: DhcpServer } = {
    name: 'dhcp',
    server,
    start: async () => {
      const lines = await server.start();
      unregister = names?.register(server);
      return lines;
    },
    stop: () => {
      unregister?.();
      return server.stop();
    },
  };
  return fe;
};
