import type { NodeDriver } from '../driver.js';
import type { Node } from '../node.js';
import type { EventBus, EventSubscription } from './event-bus.js';

/** Addresses remembered at most (oldest forgotten first): a flood of spoofed DHCP clients stays bounded. */
const MAX_ADDRESSES = 10_000;

/**
 * Which node a network peer is, for the events of protocols that only see an address (TFTP, boot HTTP):
 * MAC -> node from the driver's NICs (kept current by its change stream), IP -> MAC from the DHCP answers
 * on the bus and from what a front end learns (boot HTTP's `/boot/<mac>.ipxe`).
 */
export class PeerNodes {
  private readonly byMac = new Map<string, string>();
  private readonly macByIp = new Map<string, string>();
  private unwatch: (() => void) | undefined;
  private subscription: EventSubscription | undefined;

  constructor(
    private readonly driver: NodeDriver,
    private readonly bus?: EventBus,
  ) {}

  async start(): Promise<void> {
    this.unwatch ??= this.driver.watch((e) => {
      if (e.type === 'removed') this.forget(e.nodeId);
      else if (e.node) this.add(e.node);
    });
    this.subscription ??= this.bus?.subscribe(
      (e) => {
        if (e.kind === 'dhcp' && (e.message === 'ACK' || e.message === 'OFFER') && e.ip) this.learn(e.ip, e.mac);
      },
      { filter: (e) => e.kind === 'dhcp', maxQueue: 100_000 },
    );
    for (const n of await this.driver.list()) this.add(n);
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.subscription?.close();
    this.subscription = undefined;
  }

  /** Remember that `ip` is (now) the host with this MAC. */
  learn(ip: string, mac: string): void {
    const key = bareIp(ip);
    this.macByIp.delete(key);
    this.macByIp.set(key, mac.toLowerCase());
    if (this.macByIp.size > MAX_ADDRESSES) this.macByIp.delete(this.macByIp.keys().next().value!);
  }

  nodeOfMac(mac: string): string | undefined {
    return this.byMac.get(mac.toLowerCase());
  }

  /** The MAC last seen at this address (IPv4-mapped IPv6 spellings included). */
  macOfIp(ip: string): string | undefined {
    return this.macByIp.get(bareIp(ip));
  }

  nodeOfIp(ip: string): string | undefined {
    const mac = this.macOfIp(ip);
    return mac === undefined ? undefined : this.nodeOfMac(mac);
  }

  private add(n: Node): void {
    this.forget(n.id);
    for (const nic of n.nics) this.byMac.set(nic.mac.toLowerCase(), n.id);
  }

  private forget(id: string): void {
    for (const [mac, owner] of this.byMac) if (owner === id) this.byMac.delete(mac);
  }
}

function bareIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
