import type { Config } from './config/schema.js';
import type { NodeDriver } from './driver.js';
import type { NameRegistry } from './host-names.js';
import type { Logger } from './logging.js';

/** Everything a protocol front end gets from `bmc-emu serve`. */
export interface FrontEndContext {
  config: Readonly<Config>;
  driver: NodeDriver;
  logger: Logger;
  /** Host names shared between front ends (DHCP publishes, DNS answers); absent outside `serve`. */
  names?: NameRegistry;
}

/** A protocol server (Redfish, IPMI, DHCP, TFTP, boot HTTP) that `serve` starts and stops. */
export interface FrontEnd {
  readonly name: string;
  /** Start serving; resolves to one line per endpoint, e.g. "redfish https://127.0.0.1:8000/redfish/v1". */
  start(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Returns undefined when the front end is disabled by config. */
export type FrontEndFactory = (ctx: FrontEndContext) => FrontEnd | undefined;
