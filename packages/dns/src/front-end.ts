import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { errors, type FrontEnd, type FrontEndFactory, type NameSource } from '@bmc-emu/core';
import type { DnsConfig } from './config.js';
import { DnsServer } from './server.js';

const execFileP = promisify(execFile);

/**
 * Every address of an interface but IPv6 link-local ones (those need a scope on every packet). Like DHCP,
 * falls back to iproute2 for a bridge that is not running yet (libuv lists running interfaces only).
 */
export async function interfaceAddresses(ifname: string): Promise<string[]> {
  const listed = (networkInterfaces()[ifname] ?? []).map((a) => a.address);
  let found = listed;
  if (!found.length) {
    try {
      const { stdout } = await execFileP('ip', ['-j', 'addr', 'show', 'dev', ifname], { timeout: 5000 });
      const parsed = JSON.parse(stdout) as Array<{ addr_info?: Array<{ local?: string }> }>;
      found = (parsed[0]?.addr_info ?? []).map((a) => a.local).filter((a): a is string => !!a);
    } catch {
      found = [];
    }
  }
  return found.filter((a) => !/^fe80:/i.test(a));
}

/** `bmc-emu serve` starts DNS when dns.enabled. */
export const dnsFrontEnd: FrontEndFactory<DnsConfig> = ({ init: dns, shared, components }) => {
  if (!dns.enabled) return undefined;
  const { logger, names } = components;
  const firstZone = dns.zones[0];
  const hostsDomain = dns.hostsDomain ?? (typeof firstZone === 'string' ? firstZone : firstZone?.name);
  let server: DnsServer | undefined;
  const fe: FrontEnd & { server: () => DnsServer | undefined } = {
    name: 'dns',
    server: () => server,
    async start() {
      const addresses = [...dns.listen];
      for (const ifname of dns.interfaces) {
        const found = await interfaceAddresses(ifname);
        if (!found.length) {
          throw errors.invalidArgument(
            `DNS interface "${ifname}" has no address to serve on: give it one or fix dns.interfaces.`,
          );
        }
        addresses.push(...found);
      }
      if (!addresses.length) addresses.push(shared.bind);
      const source: NameSource | undefined = names;
      server = new DnsServer({
        config: dns,
        addresses: [...new Set(addresses)],
        ...(source ? { names: source } : {}),
        ...(hostsDomain ? { hostsDomain } : {}),
        logger,
      });
      return server.start();
    },
    stop: () => server?.stop() ?? Promise.resolve(),
  };
  return fe;
};
