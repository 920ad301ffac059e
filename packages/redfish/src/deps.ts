import type { BmcDirectory, ImageCache, Logger, NodeDriver, Telemetry } from '@bmc-emu/core';
import type { AccountStore, PasswordFile } from './accounts.js';
import type { BmcAccounts } from './bmc-accounts.js';
import type { ChassisStore } from './chassis-store.js';
import type { EventHub } from './events.js';
import type { MediaInserter } from './media-insert.js';
import type { SessionStore } from './sessions.js';
import type { TaskStore } from './tasks.js';

/** Everything the route handlers share; built once by createRedfishApp. */
export interface RedfishDeps {
  driver: NodeDriver;
  logger: Logger;
  accounts: AccountStore;
  sessions: SessionStore;
  tasks: TaskStore;
  events: EventHub;
  media: MediaInserter;
  cache: ImageCache | undefined;
  /** BMC-side state that is not node state (the chassis LED). */
  chassis: ChassisStore;
  serviceUuid: string;
  firmwareVersion: string;
  port: number;
  tls: boolean;
  /** How long a power action may take before the request answers 202 + task. */
  powerWaitMs: number;
  /** Sensors, SEL and BMC LAN settings (core; shared with IPMI). */
  telemetry: Telemetry;
  /** The address the service listens on (the BMC LAN address until IPMI reports its own). */
  bind: string;
  /** Registered BMCs and their per-node accounts. */
  directory?: BmcDirectory;
  /** The directory's accounts as principals (present with `directory`). */
  bmcAccounts?: BmcAccounts;
  /** redfish.htpasswdFile's accounts. */
  passwordFile?: PasswordFile;
}
