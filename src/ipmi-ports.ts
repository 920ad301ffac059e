import { join } from 'node:path';
import { type BmcDirectory, MutableBmcDirectory } from '@bmc-emu/core';
import { PortMap } from '@bmc-emu/ipmi';
import { readRegistry } from '@bmc-emu/manage';
import { entryOf } from './bmc-wiring.js';
import type { Config } from './config-schema.js';

/**
 * The IPMI endpoint `serve` gives each node: its registered BMC's (`bmc add`, `lab up`, an import), else the
 * one remembered in <stateDir>/ipmi-ports.json (a BMC keeps its port when nodes are added ahead of it), else
 * the next in list order. `-`: not served (a stopped BMC, or an unregistered node under `serve: listed`).
 * `directory`: a running server's live registry; without it the registry file is read once.
 */
export async function ipmiPortsFor(
  config: Readonly<Config>,
  directory?: BmcDirectory,
): Promise<(node: { id: string; name: string }, index: number) => string> {
  if (!config.ipmi.enabled) return () => '-';
  const bmcs = directory ?? (await registryDirectory(config));
  const perIp = config.ipmi.addressBase !== undefined;
  const base = perIp
    ? `${config.ipmi.addressBase}:${config.ipmi.addressPort}`
    : `${config.bind}:${config.ipmi.basePort}`;
  const map = new PortMap(join(config.stateDir, 'ipmi-ports.json'), base);
  await map.load();
  return (node, index) => {
    const bmc = bmcs.bmcFor(node);
    if (bmc) {
      if (!bmc.active) return '-';
      const wildcard = bmc.address === undefined || bmc.address === '0.0.0.0' || bmc.address === '::';
      return wildcard ? String(bmc.port) : `${bmc.address}:${bmc.port}`;
    }
    if (bmcs.serve === 'listed') return '-';
    const slot = map.get(node.id);
    if (slot) return perIp ? `${slot.address}:${slot.port}` : String(slot.port);
    return perIp ? '?' : String(config.ipmi.basePort + index);
  };
}

async function registryDirectory(config: Readonly<Config>): Promise<BmcDirectory> {
  const directory = new MutableBmcDirectory(config.driver.serve);
  await directory.set((await readRegistry(join(config.stateDir, 'bmcs.json'))).bmcs.map(entryOf));
  return directory;
}
