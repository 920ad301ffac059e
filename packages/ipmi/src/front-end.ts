import type { FrontEndFactory } from '@bmc-emu/core';
import { SUPPORTED_SUITES } from './codec/cipher-suites.js';
import { type EndpointInfo, IpmiServer } from './server.js';

export function describeEndpoints(bind: string, endpoints: EndpointInfo[], ipmi15: boolean): string {
  const ports = endpoints.map((e) => e.port).sort((a, b) => a - b);
  const range =
    ports.length === 0 ? 'no ports' : ports.length === 1 ? `${ports[0]}` : `${ports[0]}-${ports[ports.length - 1]}`;
  const suites = SUPPORTED_SUITES.map((s) => s.id)
    .sort((a, b) => a - b)
    .join(',');
  const host = bind.includes(':') ? `[${bind}]` : bind;
  return `ipmi udp ${host}:${range} (${endpoints.length} BMC${endpoints.length === 1 ? '' : 's'}, lanplus suites ${suites}${ipmi15 ? ', lan MD5' : ''})`;
}

/** The IPMI front end of `bmc-emu serve`; undefined when `ipmi.enabled` is false. */
export const ipmiFrontEnd: FrontEndFactory = (ctx) => {
  const cfg = ctx.config.ipmi;
  if (!cfg.enabled) return undefined;
  const server = new IpmiServer({
    driver: ctx.driver,
    bind: ctx.config.bind,
    basePort: cfg.basePort,
    user: ctx.config.user,
    password: ctx.config.password,
    ...(cfg.kg !== undefined ? { kg: cfg.kg } : {}),
    ipmi15: cfg.ipmi15,
    maxSessionsPerBmc: cfg.maxSessionsPerBmc,
    sessionIdleTimeoutSec: cfg.sessionIdleTimeoutSec,
    logger: ctx.logger.child({ frontEnd: 'ipmi' }),
  });
  return {
    name: 'ipmi',
    async start() {
      const endpoints = await server.start();
      return [describeEndpoints(ctx.config.bind, endpoints, server.ipmi15)];
    },
    stop: () => server.stop(),
  };
};
