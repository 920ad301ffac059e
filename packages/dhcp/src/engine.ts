import { type BootDecision, type BootPolicy, errors } from '@bmc-emu/core';
import {
  classlessRoutes,
  domainSearch,
  findOption,
  ip,
  ipList,
  MESSAGE_TYPE_NAMES,
  MessageType,
  Opt,
  subOptions,
  text,
  u8,
  u16,
  u32,
} from './codec/options.js';
import { BOOTREPLY, BOOTREQUEST, type DhcpOption, type DhcpPacket, FLAG_BROADCAST } from './codec/packet.js';
import { compileOptions, type OptionValue, OptionValueError, overrideOptions } from './codec/option-value.js';
import { clientHostname } from './host-name.js';
import type { Lease, LeaseStore } from './lease-store.js';
import { describeDecision, type PxeRequestInfo, pxeInfo } from './pxe.js';
import {
  clientIdentity,
  findReservation,
  normalizeReservation,
  type Reservation,
  reservationKey,
} from './reservation.js';
import { selectSubnet, Subnet, type SubnetOptions } from './subnet.js';
import {
  formatTagExpression,
  lastMatching,
  matchingEntries,
  parseTagExpression,
  type TagExpression,
  tagExpressionMatches,
} from './tag-expression.js';
import { compileMatchRule, type MatchRule, type MatchRuleConfig, tagsOf } from './tags.js';

export type { Reservation, SubnetOptions };

/** What a tag gives the clients that carry it (dnsmasq dhcp-option=tag:<t>,... and dhcp-boot=tag:<t>,...). */
export interface TagOptions {
  options?: Record<string, OptionValue>;
  /** TFTP file name or http(s) URL, for every client with the tag (PXE or not, iPXE included). */
  bootFile?: string;
}

/** The first subnet in flat keys (`subnet` its CIDR); server mode needs `subnet` or `subnets`. */
type FirstSubnetKeys = Partial<
  Pick<SubnetOptions, 'subnet' | 'rangeStart' | 'rangeEnd' | 'router' | 'dns' | 'domain' | 'domainSearch' | 'routes'>
>;

export interface DhcpEngineOptions extends FirstSubnetKeys {
  /** server: hand out addresses (and boot info); proxy: boot info only, to PXE clients, no addresses. */
  mode: 'server' | 'proxy';
  /** Our address on the served network: option 54, siaddr, default TFTP server. */
  serverAddress: string;
  leaseTimeSec: number;
  /** How long an OFFER holds its address. */
  offerTimeSec?: number;
  /** Serve only reserved MACs (like dnsmasq dhcp-ignore=tag:!known). */
  knownHostsOnly?: boolean;
  /** Reservations of the first subnet (or of whichever subnet holds their address). */
  reservations?: Reservation[];
  /** Further subnets, reached through relays (giaddr / option 82) or as the interface's subnet. */
  subnets?: SubnetOptions[];
  /** Undefined: never hand out boot information. */
  bootPolicy?: BootPolicy;
  /** TFTP server for options 66/siaddr; defaults to serverAddress. */
  tftpServer?: string;
  /** Free-form options (code or name -> value) for every subnet; subnet, tag and reservation options override. */
  options?: Record<string, OptionValue>;
  /** Rules that set tags from the request (options 60/77/93/175/..., MAC patterns). */
  match?: MatchRuleConfig[];
  /**
   * Options and boot file per tag expression (`efi`, `tag:efi,tag:!ipxe`: every condition must hold); of the
   * entries that match, in the order listed, later ones override earlier ones.
   */
  tags?: Record<string, TagOptions>;
  /** Tag expressions whose clients get no answer at all (dnsmasq dhcp-ignore=tag:...), e.g. `tag:!known`. */
  ignore?: string[];
  /** A tag every client of this instance carries (dnsmasq tags requests with the interface name). */
  interfaceTag?: string;
  /**
   * true (default): NAK a REQUEST for an address we know nothing of. false: stay silent, as dnsmasq without
   * dhcp-authoritative, so another server on the link may answer.
   */
  authoritative?: boolean;
}

/** One request's client as this instance sees it. */
interface Client {
  info: PxeRequestInfo;
  reservation: Reservation | undefined;
  tags: ReadonlySet<string>;
}

/** A `tags:` entry, compiled. */
interface TaggedEntry {
  when: TagExpression;
  bootFile: string | undefined;
  options: DhcpOption[];
}

/** Config errors name the key they came from. */
function compiled(where: string, map: Record<string, OptionValue> | undefined): DhcpOption[] {
  try {
    return compileOptions(map);
  } catch (err) {
    if (err instanceof OptionValueError) throw errors.invalidArgument(`${where}.${err.message}`);
    throw err;
  }
}

/** A config value checked where it is used: its OptionValueError becomes a typed error naming the key. */
function named<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof OptionValueError) throw errors.invalidArgument(`${where}: ${err.message}`);
    throw err;
  }
}

/** Where the server sends a reply (RFC 2131 §4.1). */
export interface Reply {
  packet: DhcpPacket;
  address: string;
  port: number;
  /** Largest reply the client accepts (option 57). */
  maxSize?: number;
}

export interface Transaction {
  xid: number;
  mac: string;
  type: string;
  arch?: number;
  /** What we did: "OFFER 172.30.0.10 tftp undionly.kpxe", "ignored: for server 10.0.0.1", ... */
  outcome: string;
  /** The subnet the request was served from (CIDR). */
  subnet?: string;
  /** giaddr of a relayed request. */
  relay?: string;
  reply?: Reply;
  /** The reply may be sent only once the lease file holds this change. */
  persist: boolean;
}

const ZERO = '0.0.0.0';
const BROADCAST = '255.255.255.255';

type Base = Omit<Transaction, 'outcome'>;
type Ignore = (why: string) => Transaction;

export class DhcpEngine {
  readonly subnets: Subnet[] = [];
  /** Every reservation, in the order listed: known hosts, per-host boot settings. */
  private readonly reservations: Reservation[] = [];
  private readonly reservedIps = new Map<string, Reservation>();
  private readonly tftpServer: string;
  private readonly baseOptions: DhcpOption[];
  private readonly subnetOptions = new Map<Subnet, DhcpOption[]>();
  private readonly reservationOptions = new Map<Reservation, DhcpOption[]>();
  private readonly tagged: TaggedEntry[] = [];
  private readonly rules: MatchRule[];
  private readonly ignored: TagExpression[];

  constructor(
    private readonly opts: DhcpEngineOptions,
    private readonly leases: LeaseStore,
  ) {
    const { subnet, rangeStart, rangeEnd, router, dns, domain, domainSearch, routes } = opts;
    if (subnet) {
      const first = { subnet, rangeStart, rangeEnd, router, dns, domain, domainSearch, routes };
      const defined = Object.entries(first).filter(([, v]) => v !== undefined);
      this.subnets.push(new Subnet(Object.fromEntries(defined) as unknown as SubnetOptions, opts.leaseTimeSec));
    }
    for (const s of opts.subnets ?? []) {
      const sub = new Subnet(s, opts.leaseTimeSec);
      if (this.subnets.some((o) => o.contains(sub.pool.broadcast) || sub.contains(o.pool.broadcast))) {
        throw errors.invalidArgument(`DHCP subnet ${sub.cidr} overlaps another served subnet`);
      }
      this.subnets.push(sub);
      for (const r of s.reservations ?? []) this.reserve(sub, r);
    }
    for (const r of opts.reservations ?? []) {
      // a flat reservation belongs to the subnet holding its address (the first subnet before `subnets` existed)
      const sub = this.subnets.find((x) => x.contains(r.ip));
      if (sub) this.reserve(sub, r);
      else if (opts.mode === 'proxy' || this.subnets.length === 0) this.reserve(undefined, r);
      else {
        throw errors.invalidArgument(
          `DHCP reservation ${r.ip} (${reservationKey(normalizeReservation(r))}) is on none of the served subnets`,
        );
      }
    }
    this.tftpServer = opts.tftpServer ?? opts.serverAddress;
    this.baseOptions = compiled('dhcp.options', opts.options);
    (opts.subnets ?? []).forEach((s, i) =>
      this.subnetOptions.set(this.subnets[i + (subnet ? 1 : 0)]!, compiled(`dhcp.subnets.${i}.options`, s.options)),
    );
    for (const [key, t] of Object.entries(opts.tags ?? {})) {
      const when = named(`dhcp.tags.${key}`, () => parseTagExpression(key));
      this.tagged.push({ when, bootFile: t.bootFile, options: compiled(`dhcp.tags.${key}.options`, t.options) });
    }
    this.ignored = (opts.ignore ?? []).map((text, i) => named(`dhcp.ignore.${i}`, () => parseTagExpression(text)));
    this.rules = (opts.match ?? []).map((m, i) => named(`dhcp.match.${i}`, () => compileMatchRule(m)));
  }

  private reserve(sub: Subnet | undefined, r: Reservation): void {
    const n = normalizeReservation(r);
    const owner = this.reservedIps.get(n.ip);
    if (owner !== undefined && reservationKey(owner) !== reservationKey(n)) {
      throw errors.invalidArgument(`DHCP address ${n.ip} is reserved twice`);
    }
    sub?.addReservation(n);
    const kept = sub?.reservations[sub.reservations.length - 1] ?? n;
    this.reservations.push(kept);
    this.reservationOptions.set(kept, compiled(`dhcp reservation ${n.ip}: options`, n.options));
    if (!owner) this.reservedIps.set(n.ip, kept);
  }

  /** The reservation for this client: one on its subnet first, then any. */
  private client(req: DhcpPacket, info: PxeRequestInfo, sub: Subnet | undefined): Client {
    const id = clientIdentity(req, info.mac);
    const reservation = sub?.findReservation(id) ?? findReservation(this.reservations, id);
    // as dnsmasq: the interface name, the host's set: tags and "known" when a reservation matched
    const fixed = [
      ...(this.opts.interfaceTag ? [this.opts.interfaceTag] : []),
      ...(reservation ? ['known', ...(reservation.tags ?? [])] : []),
    ];
    return { info, reservation, tags: new Set(tagsOf(req, this.rules, fixed)) };
  }

  handle(req: DhcpPacket, now = Date.now(), proxyPort = false): Transaction {
    const info = pxeInfo(req);
    const typeData = findOption(req, Opt.MessageType);
    const type = typeData?.[0] ?? 0;
    const base = {
      xid: req.xid,
      mac: info.mac,
      type: MESSAGE_TYPE_NAMES[type] ?? (typeData ? `type ${type}` : 'BOOTP'),
      ...(info.arch !== undefined ? { arch: info.arch } : {}),
      persist: false,
    };
    const ignore = (why: string): Transaction => ({ ...base, outcome: `ignored: ${why}` });
    if (req.op !== BOOTREQUEST) return ignore('not a BOOTREQUEST');
    if (req.htype !== 1 || req.hlen !== 6) return ignore(`hardware type ${req.htype}/${req.hlen} is not Ethernet`);
    const proxied = this.opts.mode === 'proxy' || proxyPort;
    const sel = proxied ? undefined : selectSubnet(this.subnets, req, this.opts.serverAddress);
    const client = this.client(req, info, sel?.subnet);
    const ignoredBy = this.ignored.find((e) => tagExpressionMatches(e, client.tags));
    if (ignoredBy) return ignore(`tags match ignore ${formatTagExpression(ignoredBy)}`);
    if (!sel) return this.proxy(req, type, client, base, ignore);
    if (this.opts.knownHostsOnly && !client.reservation) return ignore('unknown host (known hosts only)');
    if (!sel.subnet) {
      const who = sel.by === 'giaddr' ? 'relay' : sel.by;
      return ignore(`${who} ${sel.address} is on none of our subnets`);
    }
    const sub = sel.subnet;
    return this.serve(req, type, client, sub, now, {
      ...base,
      subnet: sub.cidr,
      ...(req.giaddr !== ZERO ? { relay: req.giaddr } : {}),
    });
  }

  private serve(req: DhcpPacket, type: number, c: Client, sub: Subnet, now: number, base: Base): Transaction {
    const ignore = (why: string): Transaction => ({ ...base, outcome: `ignored: ${why}` });
    switch (type) {
      case MessageType.Discover:
        return this.discover(req, c, sub, now, base, ignore);
      case MessageType.Request:
        return this.request(req, c, sub, now, base, ignore);
      case MessageType.Decline:
        return this.decline(req, c.info, now, base, ignore);
      case MessageType.Release:
        return this.release(req, c.info, now, base, ignore);
      case MessageType.Inform:
        return this.inform(req, c, sub, base);
      default:
        return ignore('not a message a server answers');
    }
  }

  private serverIdMatches(req: DhcpPacket): boolean | undefined {
    const sid = findOption(req, Opt.ServerId);
    if (!sid) return undefined;
    return sid.length === 4 && ip.decode(sid) === this.opts.serverAddress;
  }

  private discover(req: DhcpPacket, c: Client, sub: Subnet, now: number, base: Base, ignore: Ignore): Transaction {
    const info = c.info;
    const addr = this.allocate(c, req, sub, now);
    if (!addr) return ignore(`no free address in ${sub.cidr}`);
    const existing = this.leases.getByMac(info.mac);
    if (!existing || existing.ip !== addr || existing.state !== 'bound') {
      this.leases.put({
        mac: info.mac,
        ip: addr,
        state: 'offered',
        expiresAt: now + (this.opts.offerTimeSec ?? 60) * 1000,
        ...this.leaseNameOf(req, c),
      });
    }
    const { packet, boot } = this.reply(req, MessageType.Offer, addr, c, sub);
    return { ...base, outcome: `OFFER ${addr} ${describeDecision(boot)}`, reply: this.route(req, packet, false) };
  }

  private request(req: DhcpPacket, c: Client, sub: Subnet, now: number, base: Base, ignore: Ignore): Transaction {
    const info = c.info;
    const pool = sub.pool;
    const sidMatch = this.serverIdMatches(req);
    const reqData = findOption(req, Opt.RequestedIp);
    const requested = reqData?.length === 4 ? ip.decode(reqData) : undefined;
    const lease = this.leases.getByMac(info.mac);
    const nak = (why: string): Transaction => {
      const packet = this.nakPacket(req, why);
      return { ...base, outcome: `NAK: ${why}`, reply: this.route(req, packet, true) };
    };
    // of a client we hold no lease for, a non-authoritative server knows too little to refuse (RFC 2131 §4.3.2)
    const refuse = (why: string): Transaction =>
      !lease && this.opts.authoritative === false ? ignore(`not authoritative: ${why}`) : nak(why);
    let addr: string;
    if (sidMatch === false) {
      // SELECTING another server: our offer is void
      if (lease?.state === 'offered') this.leases.remove(lease);
      return ignore('REQUEST is for another server');
    }
    if (sidMatch === true) {
      if (!requested) return nak('SELECTING without option 50');
      if (!lease || lease.ip !== requested || lease.state === 'declined') return nak(`${requested} was not offered`);
      if (!pool.contains(requested)) return nak(`${requested} is not on ${sub.cidr}`);
      addr = requested;
    } else if (req.ciaddr === ZERO) {
      // INIT-REBOOT
      if (!requested) return ignore('INIT-REBOOT without option 50');
      if (!pool.contains(requested)) return refuse(`${requested} is not on ${sub.cidr}`);
      if (lease && lease.ip !== requested) return nak(`${info.mac} holds ${lease.ip}, not ${requested}`);
      if (!lease && !this.isFree(requested, info.mac, now)) return refuse(`${requested} belongs to someone else`);
      if (!lease && !this.mayUse(c, requested, sub)) return refuse(`${requested} is not available`);
      addr = requested;
    } else {
      // RENEWING (unicast) or REBINDING (broadcast)
      if (!pool.contains(req.ciaddr)) return refuse(`${req.ciaddr} is not on ${sub.cidr}`);
      if (lease && lease.ip !== req.ciaddr) return nak(`${info.mac} holds ${lease.ip}, not ${req.ciaddr}`);
      if (!lease && !this.isFree(req.ciaddr, info.mac, now)) return refuse(`${req.ciaddr} belongs to someone else`);
      if (!lease && !this.mayUse(c, req.ciaddr, sub)) return refuse(`${req.ciaddr} is not available`);
      addr = req.ciaddr;
    }
    this.leases.put({
      mac: info.mac,
      ip: addr,
      state: 'bound',
      expiresAt: now + sub.leaseTimeSec * 1000,
      ...this.leaseNameOf(req, c),
    });
    const { packet, boot } = this.reply(req, MessageType.Ack, addr, c, sub);
    return {
      ...base,
      outcome: `ACK ${addr} ${describeDecision(boot)}`,
      reply: this.route(req, packet, false),
      persist: true,
    };
  }

  private decline(req: DhcpPacket, info: PxeRequestInfo, now: number, base: Base, ignore: Ignore): Transaction {
    if (this.serverIdMatches(req) === false) return ignore('DECLINE is for another server');
    const reqData = findOption(req, Opt.RequestedIp);
    const addr = reqData?.length === 4 ? ip.decode(reqData) : undefined;
    const lease = this.leases.getByMac(info.mac);
    if (!addr || !lease || lease.ip !== addr) return ignore('DECLINE for an address we did not give');
    this.leases.remove(lease);
    const holdSec = this.subnets.find((s) => s.contains(addr))?.leaseTimeSec ?? this.opts.leaseTimeSec;
    this.leases.put({ mac: '-', ip: addr, state: 'declined', expiresAt: now + holdSec * 1000 });
    return { ...base, outcome: `DECLINE ${addr}: marked unusable`, persist: true };
  }

  private release(req: DhcpPacket, info: PxeRequestInfo, now: number, base: Base, ignore: Ignore): Transaction {
    if (this.serverIdMatches(req) === false) return ignore('RELEASE is for another server');
    const lease = this.leases.getByMac(info.mac);
    if (!lease || lease.ip !== req.ciaddr || lease.state !== 'bound') return ignore('RELEASE of an address not bound');
    lease.state = 'released';
    lease.expiresAt = now;
    this.leases.touch(lease);
    return { ...base, outcome: `RELEASE ${lease.ip}`, persist: true };
  }

  private inform(req: DhcpPacket, c: Client, sub: Subnet, base: Base): Transaction {
    const { packet, boot } = this.reply(req, MessageType.Ack, ZERO, c, sub, false);
    return { ...base, outcome: `ACK (INFORM) ${describeDecision(boot)}`, reply: this.route(req, packet, false) };
  }

  private proxy(req: DhcpPacket, type: number, c: Client, base: Base, ignore: Ignore): Transaction {
    if (!c.info.wantsBoot) return ignore('proxy mode answers PXE clients only');
    if (this.opts.knownHostsOnly && !c.reservation) return ignore('unknown host (known hosts only)');
    let replyType: number;
    if (type === MessageType.Discover) replyType = MessageType.Offer;
    else if (type === MessageType.Request || type === MessageType.Inform) {
      if (type === MessageType.Request && this.serverIdMatches(req) === false && req.ciaddr === ZERO) {
        return ignore('REQUEST is for the address server');
      }
      replyType = MessageType.Ack;
    } else return ignore('proxy mode answers DISCOVER, REQUEST and INFORM');
    const { packet, boot } = this.reply(req, replyType, ZERO, c, undefined, false);
    if (boot.kind === 'none') return ignore('no boot file for this client');
    const name = replyType === MessageType.Offer ? 'OFFER' : 'ACK';
    return { ...base, outcome: `proxy ${name} ${describeDecision(boot)}`, reply: this.route(req, packet, false) };
  }

  /** The name a lease records: the reservation's, else the client's own (option 12, sanitised). */
  private leaseNameOf(req: DhcpPacket, c: Client): { hostname?: string } {
    const reserved = c.reservation?.hostname;
    if (reserved) return { hostname: reserved };
    const sent = clientHostname(req);
    return sent ? { hostname: sent } : {};
  }

  /** A reserved address only goes to its client; the server's own address never. */
  private mayUse(c: Client, addr: string, sub: Subnet): boolean {
    const owner = this.reservedIps.get(addr);
    if (owner !== undefined) {
      return (
        c.reservation !== undefined && reservationKey(owner) === reservationKey(c.reservation) && sub.contains(addr)
      );
    }
    return addr !== this.opts.serverAddress && sub.pool.inRange(addr);
  }

  private isFree(addr: string, mac: string, now: number): boolean {
    const l = this.leases.getByIp(addr);
    // released and expired entries of other clients may be reused; `allocate` prefers untouched addresses first
    return !l || l.mac === mac || l.expiresAt < now;
  }

  private allocate(c: Client, req: DhcpPacket, sub: Subnet, now: number): string | undefined {
    const mac = c.info.mac;
    const reserved = c.reservation;
    if (reserved && sub.contains(reserved.ip)) return reserved.ip;
    const lease = this.leases.getByMac(mac);
    if (lease && lease.state !== 'declined' && this.mayUse(c, lease.ip, sub)) return lease.ip;
    const reqData = findOption(req, Opt.RequestedIp);
    if (reqData?.length === 4) {
      const wanted = ip.decode(reqData);
      if (this.mayUse(c, wanted, sub) && this.isFree(wanted, mac, now)) return wanted;
    }
    const untouched = sub.pool.next((a) => this.mayUse(c, a, sub) && !this.leases.getByIp(a));
    if (untouched) return untouched;
    return sub.pool.next((a) => this.mayUse(c, a, sub) && this.isFree(a, mac, now));
  }

  private decideBoot(c: Client): BootDecision {
    const { info, reservation: r } = c;
    if (r?.pxe === false) return { kind: 'none' };
    const file = (f: string): BootDecision =>
      /^https?:\/\//.test(f)
        ? { kind: 'http', url: f, httpClient: info.vendorClass?.startsWith('HTTPClient') ?? false }
        : { kind: 'tftp', file: f };
    // a tag's file is an explicit choice for whoever carries the tag, as dnsmasq's dhcp-boot=tag:...
    const tagged = lastMatching(this.tagged, c.tags, (t) => t.bootFile);
    const policy = this.opts.bootPolicy;
    const boots = policy !== undefined && info.wantsBoot;
    if (boots && r?.bootFile && !info.isIpxe) return file(r.bootFile);
    if (tagged) return file(tagged);
    return boots ? policy.decide(info) : { kind: 'none' };
  }

  private header(req: DhcpPacket, yiaddr: string): DhcpPacket {
    return {
      op: BOOTREPLY,
      htype: req.htype,
      hlen: req.hlen,
      hops: 0,
      xid: req.xid,
      secs: 0,
      flags: req.flags,
      ciaddr: req.ciaddr,
      yiaddr,
      siaddr: ZERO,
      giaddr: req.giaddr,
      chaddr: req.chaddr,
      sname: '',
      file: '',
      options: [],
    };
  }

  private reply(
    req: DhcpPacket,
    type: number,
    yiaddr: string,
    c: Client,
    /** Undefined in proxy mode: boot information only. */
    sub: Subnet | undefined,
    withLease = sub !== undefined,
  ): { packet: DhcpPacket; boot: BootDecision } {
    const proxy = sub === undefined;
    const p = this.header(req, yiaddr);
    const options: DhcpOption[] = [
      { code: Opt.MessageType, data: u8.encode(type) },
      { code: Opt.ServerId, data: ip.encode(this.opts.serverAddress) },
    ];
    if (withLease && sub) {
      const t = sub.leaseTimeSec;
      options.push(
        { code: Opt.LeaseTime, data: u32.encode(t) },
        { code: Opt.RenewalTime, data: u32.encode(Math.floor(t / 2)) },
        { code: Opt.RebindingTime, data: u32.encode(Math.floor((t * 7) / 8)) },
      );
    }
    if (sub) {
      const o = sub.opts;
      options.push(
        { code: Opt.SubnetMask, data: ip.encode(sub.pool.subnetMask) },
        { code: Opt.BroadcastAddress, data: ip.encode(sub.pool.broadcast) },
      );
      if (o.router) options.push({ code: Opt.Router, data: ip.encode(o.router) });
      if (o.dns?.length) options.push({ code: Opt.DnsServers, data: ipList.encode(o.dns) });
      if (o.domain) options.push({ code: Opt.DomainName, data: text.encode(o.domain) });
      if (o.domainSearch?.length) options.push({ code: Opt.DomainSearch, data: domainSearch.encode(o.domainSearch) });
      if (o.routes?.length) options.push({ code: Opt.ClasslessRoutes, data: classlessRoutes.encode(o.routes) });
      const host = c.reservation?.hostname;
      if (host) options.push({ code: Opt.Hostname, data: text.encode(host) });
    }
    const info = c.info;
    const boot = this.decideBoot(c);
    if (boot.kind === 'tftp') {
      p.siaddr = this.tftpServer;
      p.sname = this.tftpServer;
      p.file = boot.file;
      options.push(
        { code: Opt.TftpServerName, data: text.encode(this.tftpServer) },
        { code: Opt.BootfileName, data: text.encode(boot.file) },
      );
    } else if (boot.kind === 'http') {
      p.siaddr = this.tftpServer;
      if (Buffer.byteLength(boot.url) < 128) p.file = boot.url;
      options.push({ code: Opt.BootfileName, data: text.encode(boot.url) });
    }
    if (boot.kind !== 'none') {
      if (boot.kind === 'http' && boot.httpClient) {
        options.push({ code: Opt.VendorClass, data: text.encode('HTTPClient') });
      } else if (proxy) {
        // Only a proxy (or boot server) says PXEClient: EDK2 takes an address offer carrying it for a BINL
        // offer and re-asks on port 4011 instead of booting the file it was given.
        options.push({ code: Opt.VendorClass, data: text.encode('PXEClient') });
      }
      if (proxy && !info.isIpxe && boot.kind === 'tftp') {
        // PXE discovery control 8: no boot server discovery, boot the file named here
        options.push({ code: Opt.VendorSpecific, data: subOptions.encode([{ code: 6, data: u8.encode(8) }]) });
      }
    }
    const freeForm = sub
      ? [
          this.baseOptions,
          this.subnetOptions.get(sub) ?? [],
          ...matchingEntries(this.tagged, c.tags).map((t) => t.options),
          (c.reservation && this.reservationOptions.get(c.reservation)) ?? [],
        ]
      : [];
    p.options = withRelayInfo(req, overrideOptions(options, ...freeForm));
    return { packet: p, boot };
  }

  private nakPacket(req: DhcpPacket, why: string): DhcpPacket {
    const p = this.header(req, ZERO);
    p.ciaddr = ZERO;
    p.options = withRelayInfo(req, [
      { code: Opt.MessageType, data: u8.encode(MessageType.Nak) },
      { code: Opt.ServerId, data: ip.encode(this.opts.serverAddress) },
      { code: Opt.Message, data: text.encode(why) },
    ]);
    return p;
  }

  /** RFC 2131 §4.1: relay, then ciaddr, then broadcast (we cannot unicast to an address without ARP). */
  private route(req: DhcpPacket, packet: DhcpPacket, isNak: boolean): Reply {
    const maxData = findOption(req, Opt.MaxMessageSize);
    const maxSize = maxData?.length === 2 ? Math.max(576, u16.decode(maxData)) : undefined;
    const extra = maxSize !== undefined ? { maxSize } : {};
    if (req.giaddr !== ZERO) {
      if (isNak) packet.flags |= FLAG_BROADCAST;
      return { packet, address: req.giaddr, port: 67, ...extra };
    }
    if (!isNak && req.ciaddr !== ZERO) return { packet, address: req.ciaddr, port: 68, ...extra };
    return { packet, address: BROADCAST, port: 68, ...extra };
  }
}

/** RFC 3046 §2.2: the relay agent information option goes back verbatim, as the last option. */
function withRelayInfo(req: DhcpPacket, options: DhcpOption[]): DhcpOption[] {
  const agent = findOption(req, Opt.RelayAgentInfo);
  return agent ? [...options, { code: Opt.RelayAgentInfo, data: agent }] : options;
}

export type { Lease };
