import { join } from 'node:path';
import { bootHttpUrl, MediaCache } from '@bmc-emu/boot-http';
import {
  createLogger,
  EventBus,
  type FrontEnd,
  type FrontEndComponents,
  type Logger,
  NameRegistry,
  PeerNodes,
  type SharedSettings,
} from '@bmc-emu/core';
import type { Config } from './config-schema.js';
import { createDriver } from './driver-factory.js';
import { HtpasswdAccounts } from '@bmc-emu/manage';
import { wireBmcs } from './bmc-wiring.js';
import { wireConsole } from './console-wiring.js';
import { bridgeDriverEvents } from './driver-events.js';
import { publishHypervisorHealth } from './hypervisor-events.js';
import { frontEndsWith } from './frontends.js';
import { loadLabBook } from './labs-wiring.js';
import { showMediaDownloads } from './media-progress-serve.js';
import { wireMetrics } from './metrics-wiring.js';

export interface RunningServer {
  lines: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where media downloads are shown (a bar each on a TTY, plain lines otherwise); none when absent. */
  progressOut?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The virtual-media cache every front end shares (Redfish fills it, boot HTTP serves it). */
function mediaCacheFor(config: Readonly<Config>, logger: Logger): MediaCache {
  return new MediaCache({
    dir: join(config.stateDir, 'media'),
    maxBytes: config.redfish.maxImageBytes,
    insecureTls: config.redfish.insecureImageTls,
    logger,
  });
}

/**
 * Start the driver and every enabled front end. Prints where it serves; stops cleanly. Every log line carries one
 * `component`: serve, driver, media-cache or the front end's name.
 */
export async function startServer(
  config: Readonly<Config>,
  logger?: Logger,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const root = logger ?? createLogger({ level: config.log.level, fd: 2 });
  const log = root.child({ component: 'serve' });
  const bus = new EventBus();
  const labs = await loadLabBook(config, bus, root.child({ component: 'manage' }));
  const { driver, description, registry } = await createDriver(config, root.child({ component: 'driver' }), {
    onHealth: publishHypervisorHealth(bus),
  });
  const nodes = await driver.list();
  const lines = [`bmc-emu serving ${nodes.length} node(s) on the ${description}`];
  const { bind, user, password, stateDir } = config;
  const shared: SharedSettings = { bind, user, password, stateDir };
  const mediaCache = mediaCacheFor(config, root.child({ component: 'media-cache' }));
  const services: Omit<FrontEndComponents, 'logger'> = {
    driver,
    mediaCache,
    bootHttpUrl: bootHttpUrl(config.http),
    names: new NameRegistry(),
    sensors: config.sensors,
  };
  const { htpasswdFile } = config.redfish;
  const passwordFile = htpasswdFile
    ? new HtpasswdAccounts(htpasswdFile, root.child({ component: 'redfish' }))
    : undefined;
  const bmcs = wireBmcs(config, driver, root.child({ component: 'manage' }), labs, registry);
  services.bmcs = bmcs.directory;
  const started: FrontEnd[] = [];
  services.events = bus;
  const unbridgeDriver = bridgeDriverEvents(driver, bus);
  const peers = new PeerNodes(driver, bus);
  await peers.start().catch((err: unknown) => log.warn({ err }, 'cannot list the nodes to name TFTP/HTTP peers'));
  services.peers = peers;
  const unshow = opts.progressOut ? showMediaDownloads(bus, driver, opts.progressOut) : () => undefined;
  const unbridge = () => {
    unshow();
    peers.stop();
    unbridgeDriver();
  };
  const metricsWiring = wireMetrics(config, driver, bus, mediaCache);
  services.driver = metricsWiring.driver;
  const consoleWiring = wireConsole(config, driver, bus, root, labs, bmcs.directory);
  // The registry is applied before the front ends open, so a registered port is never first taken by an
  // unregistered node's default slot.
  let managementLine: string;
  try {
    managementLine = `bmc management unix:${await bmcs.start()}`;
  } catch (err) {
    unbridge();
    await driver.close();
    throw err;
  }
  try {
    for (const { name, section, factory, initOf } of frontEndsWith(
      [...consoleWiring.mounts, ...metricsWiring.mounts],
      passwordFile,
      metricsWiring.bootHttpHandlers,
    )) {
      const components = { ...services, logger: root.child({ component: name }) };
      const fe = factory({ init: initOf ? initOf(config) : config[section], shared, components });
      if (!fe) continue;
      const where = await fe.start();
      started.push(fe);
      lines.push(...where);
    }
    await consoleWiring.ready();
    metricsWiring.started(started);
    lines.push(managementLine);
  } catch (err) {
    await bmcs.stop().catch(() => undefined);
    for (const fe of started.reverse()) await fe.stop().catch(() => undefined);
    metricsWiring.close();
    unbridge();
    await driver.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    lines,
    stop() {
      stopping ??= (async () => {
        await bmcs.stop().catch((err: unknown) => log.warn({ err }, 'management API did not stop cleanly'));
        for (const fe of [...started].reverse()) {
          await fe
            .stop()
            .catch((err: unknown) => log.warn({ err, stopping: fe.name }, 'front end did not stop cleanly'));
        }
        metricsWiring.close();
        unbridge();
        await driver.close();
      })();
      return stopping;
    },
  };
}
