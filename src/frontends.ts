import { bootHttpFrontEnd } from '@bmc-emu/boot-http';
import type { FrontEndFactory } from '@bmc-emu/core';
import { dhcpFrontEnd } from '@bmc-emu/dhcp';
import { ipmiFrontEnd } from '@bmc-emu/ipmi';
import { redfishFrontEnd } from '@bmc-emu/redfish';
import { tftpFrontEnd } from '@bmc-emu/tftp';
import type { Config } from './config-schema.js';

type SectionKey = 'redfish' | 'ipmi' | 'dhcp' | 'tftp' | 'http';

/** One front end `serve` may start: its name (the logger's `component`), its config section and its factory. */
export interface FrontEndEntry<K extends SectionKey = SectionKey> {
  name: string;
  section: K;
  factory: FrontEndFactory<Config[K]>;
}

const entry = <K extends SectionKey>(name: string, section: K, factory: FrontEndFactory<Config[K]>) =>
  ({ name, section, factory }) as unknown as FrontEndEntry;

/**
 * The protocol front ends `bmc-emu serve` starts, in start order. Each package exports one factory;
 * a factory returns undefined when its section disables it.
 */
export const frontEnds: FrontEndEntry[] = [
  entry('boot-http', 'http', bootHttpFrontEnd),
  entry('redfish', 'redfish', redfishFrontEnd),
  entry('dhcp', 'dhcp', dhcpFrontEnd),
  entry('tftp', 'tftp', tftpFrontEnd),
  entry('ipmi', 'ipmi', ipmiFrontEnd),
];
