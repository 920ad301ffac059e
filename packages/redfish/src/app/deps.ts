import { createHash } from 'node:crypto';
import {
  acquireTelemetry,
  type EventBus,
  type BmcDirectory,
  type ImageCache,
  type Logger,
  type NodeDriver,
  type SharedSettings,
  silentLogger,
  type Telemetry,
} from '@bmc-emu/core';
import { AccountStore, type PasswordFile } from '../accounts.js';
import { BmcAccounts } from '../bmc-accounts.js';
import { ChassisStore } from '../chassis-store.js';
import type { RedfishSection } from '../config-section.js';
import type { RedfishDeps } from '../deps.js';
import { EventHub } from '../events.js';
import { MediaInserter } from '../media-insert.js';
import { SessionStore } from '../sessions.js';
import type { RouterFactory } from '../router.js';
import { TaskStore } from '../tasks.js';

export interface RedfishAppOptions {
  driver: NodeDriver;
  /** The parsed redfish section (sessionTimeoutSec, tls, port). */
  settings: RedfishSection;
  /** The admin account and stateDir. */
  shared: SharedSettings;
  logger?: Logger;
  /** The shared virtual-media image cache (a component of `serve`). */
  cache?: ImageCache | undefined;
  /** InsertMedia answers 202 + task monitor when the download takes longer than this (ms). Default settings.insertWaitMs. */
  insertWaitMs?: number | undefined;
  /** A power action answers 202 + task when the driver takes longer than this (ms). Default 2000. */
  powerWaitMs?: number | undefined;
  /** Port shown in Managers/<id>/NetworkProtocol (default settings.port). */
  port?: number;
  /** Keep accounts (password hashes) in this file across restarts (RedfishServer: <stateDir>/redfish/accounts.json). */
  accountsFile?: string;
  /** Keep the chassis LEDs in this file across restarts. */
  chassisFile?: string;
  /** Sensors and SEL shared with IPMI; unset = the driver's shared in-memory one (released by shutdown). */
  telemetry?: Telemetry;
  /** The rack event stream: every answered request is published to it as a `redfish` event. */
  bus?: EventBus | undefined;
  /** Registered BMCs: their own accounts see their own node only (as if each had its own BMC). */
  directory?: BmcDirectory;
  /** redfish.htpasswdFile's accounts (serve reads the file). */
  passwordFile?: PasswordFile;
  /** Another route lookup (the router bench compares the former router through this); find-my-way by default. */
  router?: RouterFactory;
}

/** Everything the routes share, built once per app. */
export function buildDeps(opts: RedfishAppOptions): { deps: RedfishDeps; releaseTelemetry?: () => Promise<void> } {
  const { driver, settings, shared } = opts;
  const logger = opts.logger ?? silentLogger();
  const port = opts.port ?? settings.port;
  const tasks = new TaskStore();
  const held = opts.telemetry ? undefined : acquireTelemetry({ driver, logger });
  const telemetry = opts.telemetry ?? held!.telemetry;
  const deps: RedfishDeps = {
    driver,
    logger,
    accounts: new AccountStore({ userName: shared.user, password: shared.password }, opts.accountsFile, logger),
    sessions: new SessionStore(settings.sessionTimeoutSec * 1000),
    tasks,
    events: new EventHub(logger),
    media: new MediaInserter(driver, opts.cache, tasks, opts.insertWaitMs ?? settings.insertWaitMs, opts.bus),
    cache: opts.cache,
    chassis: new ChassisStore(opts.chassisFile, logger),
    serviceUuid: uuidOf(`bmc-emu-redfish:${shared.stateDir}:${port}`),
    firmwareVersion: '0.1.0',
    port,
    tls: settings.tls,
    powerWaitMs: opts.powerWaitMs ?? 2000,
    telemetry,
    bind: shared.bind,
    ...(opts.directory ? { directory: opts.directory, bmcAccounts: new BmcAccounts(opts.directory) } : {}),
    ...(opts.passwordFile ? { passwordFile: opts.passwordFile } : {}),
  };
  return held ? { deps, releaseTelemetry: held.release } : { deps };
}

function uuidOf(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
