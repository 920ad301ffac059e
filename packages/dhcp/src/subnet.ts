import { errors } from '@bmc-emu/core';
import type { ClasslessRoute } from './codec/options.js';
import { findOption, ip, Opt, subOptions } from './codec/options.js';
import type { DhcpOption, DhcpPacket } from './codec/packet.js';
import type { OptionValue } from './codec/option-value.js';
import { AddressPool } from './pool.js';
import {
  type ClientIdentity,
  findReservation,
  normalizeReservation,
  type Reservation,
  reservationKey,
} from './reservation.js';

export type { Reservation };

/** One served subnet: its dynamic range and the options its clients get. */
export interface SubnetOptions {
  /** CIDR, e.g. 172.31.0.0/24. */
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  router?: string;
  dns?: string[];
  domain?: string;
  domainSearch?: string[];
  routes?: ClasslessRoute[];
  /** Defaults to the instance's leaseTimeSec. */
  leaseTimeSec?: number;
  reservations?: Reservation[];
  /** Free-form options for this subnet (code or name -> value), over the instance's. */
  options?: Record<string, OptionValue>;
}

export class Subnet {
  readonly pool: AddressPool;
  readonly leaseTimeSec: number;
  /** Reservations whose address is on this subnet (MAC and client-id normalized). */
  readonly reservations: Reservation[] = [];

  constructor(
    readonly opts: SubnetOptions,
    defaultLeaseTimeSec: number,
  ) {
    this.pool = new AddressPool(opts.subnet, opts.rangeStart, opts.rangeEnd);
    this.leaseTimeSec = opts.leaseTimeSec ?? defaultLeaseTimeSec;
  }

  get cidr(): string {
    return this.opts.subnet;
  }

  contains(addr: string): boolean {
    return this.pool.contains(addr);
  }

  addReservation(r: Reservation): void {
    const n = normalizeReservation(r);
    if (!this.contains(n.ip)) {
      throw errors.invalidArgument(`DHCP reservation ${n.ip} (${reservationKey(n)}) is not on ${this.cidr}`);
    }
    this.reservations.push(n);
  }

  findReservation(id: ClientIdentity): Reservation | undefined {
    return findReservation(this.reservations, id);
  }
}

/** What told us the client's link, in RFC order of precedence. */
export type SelectionSource = 'link-selection' | 'subnet-selection' | 'giaddr' | 'ciaddr' | 'interface';

export interface SubnetSelection {
  /** The address that names the client's link. */
  address: string;
  by: SelectionSource;
  subnet: Subnet | undefined;
}

const ZERO = '0.0.0.0';
/** RFC 3527 sub-option of option 82. */
const LINK_SELECTION = 5;

/** RFC 3527: option 82 sub-option 5, if the relay sent a well-formed one. */
export function linkSelection(req: Pick<DhcpPacket, 'options'>): string | undefined {
  const agent = findOption(req, Opt.RelayAgentInfo);
  const data = agent && subOptionsOrNone(agent)?.find((s) => s.code === LINK_SELECTION)?.data;
  return data?.length === 4 ? ip.decode(data) : undefined;
}

/** A malformed option 82 selects nothing; it is still echoed as it came. */
function subOptionsOrNone(data: Uint8Array): DhcpOption[] | undefined {
  try {
    return subOptions.decode(data);
  } catch {
    return undefined;
  }
}

/**
 * The subnet a request belongs to (RFC 2131 §4.3.1, RFC 3046, RFC 3527, RFC 3011):
 * option 82 link selection, then option 118, then giaddr (relayed), then ciaddr when it is on one of our
 * subnets (a unicast renewal from a relayed client reaches us without a relay), else the subnet of the
 * interface the request arrived on (`localAddress`, our address there; the first subnet if none holds it).
 * A relayed request whose link is on none of our subnets gets `subnet: undefined`: we have nothing to offer.
 */
export function selectSubnet(
  subnets: readonly Subnet[],
  req: Pick<DhcpPacket, 'options' | 'giaddr' | 'ciaddr'>,
  localAddress: string,
): SubnetSelection {
  const find = (a: string) => subnets.find((s) => s.contains(a));
  const link = linkSelection(req);
  if (link !== undefined && link !== ZERO) return { address: link, by: 'link-selection', subnet: find(link) };
  const sel = findOption(req, Opt.SubnetSelection);
  if (sel?.length === 4 && ip.decode(sel) !== ZERO) {
    const a = ip.decode(sel);
    return { address: a, by: 'subnet-selection', subnet: find(a) };
  }
  if (req.giaddr !== ZERO) return { address: req.giaddr, by: 'giaddr', subnet: find(req.giaddr) };
  if (req.ciaddr !== ZERO) {
    const s = find(req.ciaddr);
    if (s) return { address: req.ciaddr, by: 'ciaddr', subnet: s };
  }
  return { address: localAddress, by: 'interface', subnet: find(localAddress) ?? subnets[0] };
}
