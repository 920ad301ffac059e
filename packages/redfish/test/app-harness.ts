import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import { demoNodes, MemoryDriver, type Node, sharedSettings, silentLogger } from '@bmc-emu/core';
import { createRedfishApp, type RedfishApp, redfishSection } from '@bmc-emu/redfish';
import { type ImageServer, startImageServer } from './harness.js';

export interface AppHarness {
  app: RedfishApp;
  driver: MemoryDriver;
  node: Node;
  images: ImageServer;
  sys: string;
  close(): Promise<void>;
}

/** The request listener (no socket; for supertest) over a memory driver, with the real image cache. */
export async function appHarness(
  opts: { insertWaitMs?: number; slowMs?: number; powerWaitMs?: number; maxImageBytes?: number } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfapp-'));
  const driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 30, mediaDir: join(dir, 'm') });
  const images = await startImageServer(dir, opts.slowMs ?? 0);
  const app = createRedfishApp({
    driver,
    settings: redfishSection.parse({ tls: false, port: 0 }),
    shared: sharedSettings({ stateDir: join(dir, 'state') }),
    logger: silentLogger(),
    cache: new MediaCache({
      dir: join(dir, 'cache'),
      maxBytes: opts.maxImageBytes ?? 16 * 1024 * 1024,
      logger: silentLogger(),
    }),
    insertWaitMs: opts.insertWaitMs ?? 5000,
    powerWaitMs: opts.powerWaitMs ?? 2000,
  });
  const node = (await driver.list())[0]!;
  const h: AppHarness = {
    app,
    driver,
    node,
    images,
    sys: `/redfish/v1/Systems/${node.id}`,
    async close() {
      app.shutdown();
      await images.close();
      await driver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export const ADMIN = ['admin', 'password'] as const;
