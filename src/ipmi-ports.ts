import { join } from 'node:path';
import { PortMap } from '@bmc-emu/ipmi';
import type { Config } from './config-schema.js';

/**
 * The IPMI endpoint `serve` gives each node: the one remembered in <stateDir>/ipmi-ports.json (a BMC keeps
 * its port when nodes are added ahead of it), else the next in list order.
 */
export async function ipmiPortsFor(config: Readonly<Config>): Promise<(nodeId: string, index: number) => string> {
  if (!config.ipmi.enabled) return () => '-';
  const perIp = config.ipmi.addressBase !== undefined;
  const base = perIp
    ? `${config.ipmi.addressBase}:${config.ipmi.addressPort}`
    : `${config.bind}:${config.ipmi.basePort}`;
  const map = new PortMap(join(config.stateDir, 'ipmi-ports.json'), base);
  await map.load();
  return (nodeId, index) => {
    const slot = map.get(nodeId);
    if (slot) return perIp ? `${slot.address}:${slot.port}` : String(slot.port);
    return perIp ? '?' : String(config.ipmi.basePort + index);
  };
}
