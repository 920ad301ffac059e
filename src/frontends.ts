import { bootHttpFrontEnd } from '@bmc-emu/boot-http';
import type { FrontEndFactory } from '@bmc-emu/core';
import { dhcpFrontEnd } from '@bmc-emu/dhcp';
import { ipmiFrontEnd } from '@bmc-emu/ipmi';
import { type RedfishMount, redfishFrontEnd, redfishFrontEndWith } from '@bmc-emu/redfish';
import { tftpFrontEnd } from '@bmc-emu/tftp';

/**
 * The protocol front ends `bmc-emu serve` starts, in start order. Each package exports one factory;
 * a factory returns undefined when its section of the config disables it.
 */
export const frontEnds: FrontEndFactory[] = [
  bootHttpFrontEnd,
  redfishFrontEnd,
  dhcpFrontEnd,
  tftpFrontEnd,
  ipmiFrontEnd,
];

/** The same list, with the Redfish front end also serving `mounts` (the web console) on its listener. */
export function frontEndsWith(mounts: RedfishMount[]): FrontEndFactory[] {
  if (mounts.length === 0) return frontEnds;
  return frontEnds.map((f) => (f === redfishFrontEnd ? redfishFrontEndWith({ mounts }) : f));
}
