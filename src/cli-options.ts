/** Turn commander's parsed flags into a partial config (only what was given). */
import { errors } from '@bmc-emu/core';
export interface ServeFlags {
  config?: string;
  driver?: string;
  libvirt?: string[];
  bind?: string;
  redfishPort?: number;
  ipmiBasePort?: number;
  tls?: boolean;
  redfish?: boolean;
  ipmi?: boolean;
  user?: string;
  password?: string;
  demoNodes?: number;
  stateDir?: string;
  logLevel?: string;
}

export function flagsToConfig(f: ServeFlags): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown> = {};
  const section = (name: string): Record<string, unknown> => {
    if (!out[name]) out[name] = {};
    return out[name] as Record<string, unknown>;
  };
  if (f.driver !== undefined) section('driver').kind = f.driver;
  if (f.libvirt?.length) {
    section('driver').libvirtUris = f.libvirt;
    if (f.driver === undefined) section('driver').kind = 'libvirt';
  }
  if (f.demoNodes !== undefined) section('driver').demoNodes = f.demoNodes;
  if (f.bind !== undefined) out.bind = f.bind;
  if (f.user !== undefined) out.user = f.user;
  if (f.password !== undefined) out.password = f.password;
  if (f.stateDir !== undefined) out.stateDir = f.stateDir;
  if (f.logLevel !== undefined) out.log = { level: f.logLevel };
  if (f.redfishPort !== undefined) section('redfish').port = f.redfishPort;
  if (f.tls === false) section('redfish').tls = false;
  if (f.redfish === false) section('redfish').enabled = false;
  if (f.ipmiBasePort !== undefined) section('ipmi').basePort = f.ipmiBasePort;
  if (f.ipmi === false) section('ipmi').enabled = false;
  return out;
}

export function parseIntFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw errors.invalidArgument(`not a whole number: ${value}`);
  return n;
}
