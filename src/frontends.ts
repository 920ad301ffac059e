import { bootHttpFrontEnd } from '@bmc-emu/boot-http';
import type { FrontEndFactory } from '@bmc-emu/core';
import { dhcpFrontEnd } from '@bmc-emu/dhcp';
import { dnsFrontEnd } from '@bmc-emu/dns';
import { ipmiFrontEnd } from '@bmc-emu/ipmi';
import { redfishFrontEnd } from '@bmc-emu/redfish';
import { tftpFrontEnd } from '@bmc-emu/tftp';

/**
 * The protocol front ends `bmc-emu serve` starts, in start order. Each package exports one factory;
 * a factory returns undefined when its section of the config disables it.
 */
export const frontEnds: FrontEndFactory[] = [
  bootHttpFrontEnd,
  redfishFrontEnd,
  dhcpFrontEnd,
  dnsFrontEnd,
  tftpFrontEnd,
  ipmiFrontEnd,
];
