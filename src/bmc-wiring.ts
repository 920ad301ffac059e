import {
  BmcEmuError,
  type BmcEntry,
  ErrorCode,
  type Logger,
  makeNode,
  MemoryDriver,
  MutableBmcDirectory,
  type NodeDriver,
} from '@bmc-emu/core';
import { type LabBook, ManagementServer, type RegistryFile, udpPortOwner } from '@bmc-emu/manage';
import type { Config } from './config-schema.js';
import type { RegistryHypervisorSync } from './registry-hypervisors.js';

export interface BmcWiring {
  directory: MutableBmcDirectory;
  /** Start the management socket and apply the registry (front ends must be listening on the directory). */
  start(): Promise<string>;
  stop(): Promise<void>;
}

const ANY = new Set(['::', '0.0.0.0']);

/** A registry record as front ends see it. */
export function entryOf(r: RegistryFile['bmcs'][number]): BmcEntry {
  return {
    node: r.node,
    port: r.ipmi.port,
    active: r.active,
    ...(r.ipmi.address && !ANY.has(r.ipmi.address) ? { address: r.ipmi.address } : {}),
    ...(r.user !== undefined && r.password !== undefined ? { user: r.user, password: r.password } : {}),
  };
}

/** Create and remove the memory-driver nodes `bmc add --memory` asked for, so they live as long as their BMC. */
async function syncMemoryNodes(driver: NodeDriver, reg: RegistryFile, owned: Set<string>): Promise<void> {
  const wanted = reg.bmcs.filter((b) => b.memory);
  if (wanted.length > 0 && !(driver instanceof MemoryDriver)) {
    throw new BmcEmuError(ErrorCode.InvalidArgument, 'memory BMCs need `driver.kind: memory`', {
      nodes: wanted.map((b) => b.node),
    });
  }
  if (!(driver instanceof MemoryDriver)) return;
  const nodes = await driver.list();
  for (const b of wanted) {
    if (nodes.some((n) => n.name === b.node)) continue;
    driver.addNode(
      makeNode({
        name: b.node,
        cpu: { count: b.memory!.cpus, arch: 'x86_64', model: 'qemu64' },
        memoryMiB: b.memory!.memoryMib,
      }),
    );
    owned.add(b.node);
  }
  for (const name of [...owned]) {
    if (wanted.some((b) => b.node === name)) continue;
    const node = nodes.find((n) => n.name === name);
    if (node) driver.removeNode(node.id);
    owned.delete(name);
  }
}

/** Name who holds the port when a BMC can't bind it. */
async function withPortOwner(err: unknown, reg: RegistryFile): Promise<never> {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  const port = (err as { port?: number }).port;
  const bmc = reg.bmcs.find((b) => b.ipmi.port === port);
  const owner = port ? await udpPortOwner(port) : undefined;
  const who = owner ? `process ${owner.pid} (${owner.command})` : 'another socket';
  throw new BmcEmuError(ErrorCode.Conflict, `UDP port ${port ?? '?'} is already in use by ${who}`, {
    ...(bmc ? { node: bmc.node } : {}),
    ...(owner ? { owner } : {}),
  });
}

/**
 * The BMC registry made live: the directory front ends read, and the management API changing it.
 * `registry` connects the driver to hypervisors that only the registry names (before the BMCs open) and
 * disconnects them when no record names them any more (after the BMCs closed).
 */
export function wireBmcs(
  config: Readonly<Config>,
  driver: NodeDriver,
  logger: Logger,
  labs?: LabBook,
  registry?: RegistryHypervisorSync,
): BmcWiring {
  const directory = new MutableBmcDirectory(config.driver.serve);
  const owned = new Set<string>();
  const apply = async (reg: RegistryFile) => {
    await registry?.join(reg.bmcs);
    await syncMemoryNodes(driver, reg, owned);
    await directory.set(reg.bmcs.map(entryOf)).catch((err: unknown) => withPortOwner(err, reg));
    await registry?.prune(reg.bmcs);
  };
  const server = new ManagementServer({ stateDir: config.stateDir, apply, logger, ...(labs ? { labs } : {}) });
  return {
    directory,
    async start() {
      const socket = await server.start();
      try {
        await apply(await server.store.read());
      } catch (err) {
        await server.stop();
        throw err;
      }
      return socket;
    },
    stop: () => server.stop(),
  };
}
