import { join } from 'node:path';
import { acquireTelemetryFor, type FrontEndFactory } from '@bmc-emu/core';
import { SUPPORTED_SUITES } from './codec/cipher-suites.js';
import type { IpmiSection } from './config-section.js';
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
export const ipmiFrontEnd: FrontEndFactory<IpmiSection> = ({ init, shared, components }) => {
  if (!init.enabled) return undefined;
  const { bootFlagValidTimeoutSec, credentials, ...knobs } = init;
  const { telemetry, release } = acquireTelemetryFor({ shared, components });
  const server = new IpmiServer({
    ...knobs,
    driver: components.driver,
    logger: components.logger,
    bind: shared.bind,
    user: shared.user,
    password: shared.password,
    credentialsFor: (node) => credentials[node.name] ?? credentials[node.id],
    bootFlagValidTimeoutMs: Math.round(bootFlagValidTimeoutSec * 1000),
    portMapFile: join(shared.stateDir, 'ipmi-ports.json'),
    telemetry,
    events: components.events,
    ...(components.bmcs ? { directory: components.bmcs } : {}),
  });
  return {
    name: 'ipmi',
    async start() {
      const endpoints = await server.start();
      return [describeEndpoints(shared.bind, endpoints, server.ipmi15)];
    },
    gauges: () => [
      {
        name: 'bmcemu_ipmi_sessions_active',
        help: 'Authenticated IPMI sessions open, per node BMC.',
        labelNames: ['node', 'name'],
        read: () => server.activeSessions().map((s) => ({ labels: { node: s.nodeId, name: s.name }, value: s.active })),
      },
    ],
    stop: async () => {
      await server.stop();
      await release();
    },
  };
};
