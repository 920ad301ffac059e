/** Dotted-quad IPv4 addresses as 32-bit unsigned integers: the one helper every package uses. */
import { z } from 'zod';
import { errors } from '../errors.js';

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(ip: string): boolean {
  return DOTTED_QUAD.test(ip);
}

/** "172.30.0.1" -> 0xac1e0001; BMCEMU_INVALID_ARGUMENT for anything but a dotted quad. */
export function ipv4ToInt(ip: string): number {
  if (!isIpv4(ip)) throw errors.invalidArgument(`Not an IPv4 address: ${JSON.stringify(ip)}`, { ip });
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** 0xac1e0001 -> "172.30.0.1" (taken modulo 2^32). */
export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

/** A config value holding an IPv4 address. */
export const ipv4Schema = z.string().regex(DOTTED_QUAD, 'an IPv4 address such as 172.30.0.1');
