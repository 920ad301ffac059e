import { bootHttpFrontEnd, bootHttpFrontEndWith, type ExtraHandler } from '@bmc-emu/boot-http';
import type { FrontEndFactory } from '@bmc-emu/core';
import { dhcpFrontEnd } from '@bmc-emu/dhcp';
import { dnsFrontEnd } from '@bmc-emu/dns';
import { ipmiFrontEnd } from '@bmc-emu/ipmi';
import { type PasswordFile, type RedfishMount, redfishFrontEnd, redfishFrontEndWith } from '@bmc-emu/redfish';
import { tftpFrontEnd } from '@bmc-emu/tftp';
import type { Config } from './config-schema.js';

type SectionKey = 'redfish' | 'ipmi' | 'dhcp' | 'dns' | 'tftp' | 'http';

/** One front end `serve` may start: its name (the logger's `component`), its config section and its factory. */
export interface FrontEndEntry<K extends SectionKey = SectionKey> {
  name: string;
  section: K;
  factory: FrontEndFactory<Config[K]>;
  /** The init the factory gets; default: its section as parsed. */
  initOf?: (config: Readonly<Config>) => Config[K];
}

const entry = <K extends SectionKey>(
  name: string,
  section: K,
  factory: FrontEndFactory<Config[K]>,
  initOf?: (config: Readonly<Config>) => Config[K],
) => ({ name, section, factory, ...(initOf ? { initOf } : {}) }) as unknown as FrontEndEntry;

/**
 * The protocol front ends `bmc-emu serve` starts, in start order. Each package exports one factory;
 * a factory returns undefined when its section disables it.
 */
export const frontEnds: FrontEndEntry[] = [
  entry('boot-http', 'http', bootHttpFrontEnd),
  entry('redfish', 'redfish', redfishFrontEnd),
  entry('dhcp', 'dhcp', dhcpFrontEnd),
  // DNS names DHCP clients in the DHCP domain unless its own section says otherwise.
  entry('dns', 'dns', dnsFrontEnd, (c) => ({ ...c.dns, hostsDomain: c.dns.hostsDomain ?? c.dhcp.domain })),
  entry('tftp', 'tftp', tftpFrontEnd),
  entry('ipmi', 'ipmi', ipmiFrontEnd),
];

/**
 * The same list, with the Redfish front end also serving `mounts` (the web console, /metrics) on its listener
 * and boot HTTP trying `bootHttpHandlers` (/metrics) first.
 */
export function frontEndsWith(
  mounts: RedfishMount[],
  passwordFile?: PasswordFile,
  bootHttpHandlers: ExtraHandler[] = [],
): FrontEndEntry[] {
  const extra = { mounts, ...(passwordFile ? { passwordFile } : {}) };
  return frontEnds.map((e) => {
    if (e.name === 'redfish' && (mounts.length > 0 || passwordFile)) {
      return entry('redfish', 'redfish', redfishFrontEndWith(extra));
    }
    if (e.name === 'boot-http' && bootHttpHandlers.length > 0) {
      return entry('boot-http', 'http', bootHttpFrontEndWith({ extraHandlers: bootHttpHandlers }));
    }
    return e;
  });
}
