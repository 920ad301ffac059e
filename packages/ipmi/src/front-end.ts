import { join } from 'node:path';
import { acquireTelemetryFor, type FrontEndFactory } from '@bmc-emu/core';
import { SUPPORTED_SUITES } from './codec/cipher-suites.js';
import { type EndpointInfo, IpmiServer } from './server.js';

function span(items: (string | number)[]): string {
  if (items.length === 0) return 'none';
  return items.length === 1 ? `${items[0]}` : `${items[0]}-${items[items.length - 1]}`;
}

/** The one line `serve` prints, e.g. `ipmi udp 127.0.0.1:6230-6232 (3 BMCs, lanplus suites 3,17, lan MD5)`. */
export function describeEndpoints(bind: string, endpoints: EndpointInfo[], ipmi15: boolean): string {
  const addresses = [...new Set(endpoints.map((e) => e.address))];
  const ports = [...new Set(endpoints.map((e) => e.port))].sort((a, b) => a - b);
  const host = (a: string) => (a.includes(':') ? `[${a}]` : a);
  const where =
    addresses.length > 1 ? `${span(addresses)}:${span(ports)}` : `${host(addresses[0] ?? bind)}:${span(ports)}`;
  const suites = SUPPORTED_SUITES.map((s) => s.id)
    .sort((a, b) => a - b)
    .join(',');
  const count = `${endpoints.length} BMC${endpoints.length === 1 ? '' : 's'}`;
  return `ipmi udp ${where} (${count}, lanplus suites ${suites}${ipmi15 ? ', lan MD5' : ''})`;
}

/** The IPMI front end of `bmc-emu serve`; undefined when `ipmi.enabled` is false. */
export const ipmiFrontEnd: FrontEndFactory = (ctx) => {
  const cfg = ctx.config.ipmi;
  if (!cfg.enabled) return undefined;
  const { telemetry, release } = acquireTelemetryFor(ctx);
  const server = new IpmiServer({
    driver: ctx.driver,
    bind: ctx.config.bind,
    basePort: cfg.basePort,
    user: ctx.config.user,
    password: ctx.config.password,
    ...(cfg.kg !== undefined ? { kg: cfg.kg } : {}),
    ...(cfg.addressBase !== undefined ? { addressBase: cfg.addressBase, addressPort: cfg.addressPort } : {}),
    credentialsFor: (node) => cfg.credentials[node.name] ?? cfg.credentials[node.id],
    ipmi15: cfg.ipmi15,
    maxSessionsPerBmc: cfg.maxSessionsPerBmc,
    sessionIdleTimeoutSec: cfg.sessionIdleTimeoutSec,
    failureDelayMs: cfg.failureDelayMs,
    bootFlagValidTimeoutMs: Math.round(cfg.bootFlagValidTimeoutSec * 1000),
    portMapFile: join(ctx.config.stateDir, 'ipmi-ports.json'),
    telemetry,
    logger: ctx.logger.child({ frontEnd: 'ipmi' }),
  });
  return {
    name: 'ipmi',
    async start() {
      const endpoints = await server.start();
      return [describeEndpoints(ctx.config.bind, endpoints, server.ipmi15)];
    },
    stop: async () => {
      await server.stop();
      await release();
    },
  };
};
