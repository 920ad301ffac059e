import { ipv4ToInt } from '@bmc-emu/core';
import { decodeFail } from './errors.js';

export function readIp(buf: Uint8Array, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

export function writeIp(buf: Uint8Array, at: number, ip: string): void {
  const n = ipv4ToInt(ip);
  buf[at] = n >>> 24;
  buf[at + 1] = (n >>> 16) & 255;
  buf[at + 2] = (n >>> 8) & 255;
  buf[at + 3] = n & 255;
}

export function ipBytes(ip: string): Uint8Array {
  const b = new Uint8Array(4);
  writeIp(b, 0, ip);
  return b;
}

/** "172.30.0.0/24" -> network, prefix and mask as integers. */
export function parseCidr(cidr: string): { network: number; prefix: number; mask: number } {
  const [addr, len] = cidr.split('/');
  const prefix = Number(len);
  if (addr === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return decodeFail(`not a CIDR: ${JSON.stringify(cidr)}`);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ipv4ToInt(addr) & mask) >>> 0, prefix, mask };
}
