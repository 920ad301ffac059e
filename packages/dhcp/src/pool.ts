import { errors, intToIpv4, ipv4ToInt } from '@bmc-emu/core';
import { parseCidr } from './codec/ipv4.js';

/** A subnet and the dynamic range inside it, as integers for cheap scans. */
export class AddressPool {
  readonly network: number;
  readonly mask: number;
  readonly prefix: number;
  readonly first: number;
  readonly last: number;
  private cursor: number;

  constructor(subnet: string, rangeStart?: string, rangeEnd?: string) {
    const { network, mask, prefix } = parseCidr(subnet);
    this.network = network;
    this.mask = mask;
    this.prefix = prefix;
    const broadcast = (network | ~mask) >>> 0;
    this.first = rangeStart ? ipv4ToInt(rangeStart) : network + 1;
    this.last = rangeEnd ? ipv4ToInt(rangeEnd) : broadcast - 1;
    if (this.first > this.last || !this.contains(intToIpv4(this.first)) || !this.contains(intToIpv4(this.last))) {
      throw errors.invalidArgument(`DHCP range ${rangeStart}-${rangeEnd} is not inside ${subnet}`);
    }
    this.cursor = this.first;
  }

  get size(): number {
    return this.last - this.first + 1;
  }

  get subnetMask(): string {
    return intToIpv4(this.mask);
  }

  get broadcast(): string {
    return intToIpv4((this.network | ~this.mask) >>> 0);
  }

  contains(ip: string): boolean {
    return (ipv4ToInt(ip) & this.mask) >>> 0 === this.network;
  }

  inRange(ip: string): boolean {
    const n = ipv4ToInt(ip);
    return n >= this.first && n <= this.last;
  }

  /** The next address (round robin from the last one handed out) that `isFree` accepts. */
  next(isFree: (ip: string) => boolean): string | undefined {
    for (let i = 0; i < this.size; i++) {
      const n = this.cursor;
      this.cursor = n >= this.last ? this.first : n + 1;
      const ip = intToIpv4(n);
      if (isFree(ip)) return ip;
    }
    return undefined;
  }
}
