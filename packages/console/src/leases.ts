/** Which IPv4 address each MAC holds, as the DHCP events on the bus tell it (ACKs add, RELEASEs remove). */
import { type EventBus, type EventSubscription, normalizeMac, type RackEvent } from '@bmc-emu/core';

export class LeaseBook {
  private readonly byMac = new Map<string, string>();
  private readonly sub: EventSubscription;

  constructor(bus: EventBus) {
    for (const e of bus.history({ kinds: ['dhcp'] })) this.apply(e);
    this.sub = bus.subscribe((e) => this.apply(e), { filter: (e) => e.kind === 'dhcp', maxQueue: 10_000 });
  }

  private apply(e: RackEvent): void {
    if (e.kind !== 'dhcp') return;
    let mac: string;
    try {
      mac = normalizeMac(e.mac);
    } catch {
      return;
    }
    if (e.message === 'ACK' && e.ip) this.byMac.set(mac, e.ip);
    else if (e.message === 'RELEASE' || e.message === 'NAK' || e.message === 'DECLINE') this.byMac.delete(mac);
  }

  ipOf(mac: string): string | undefined {
    try {
      return this.byMac.get(normalizeMac(mac));
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.sub.close();
  }
}
