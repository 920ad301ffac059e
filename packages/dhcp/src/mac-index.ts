import type { Node, NodeDriver } from '@bmc-emu/core';

/** MAC -> node id from the driver's node list, kept current by its change stream (names DHCP events). */
export class MacIndex {
  private readonly byMac = new Map<string, string>();
  private unwatch: (() => void) | undefined;

  constructor(private readonly driver: NodeDriver) {}

  async start(): Promise<void> {
    this.unwatch ??= this.driver.watch((e) => {
      if (e.type === 'removed') this.forget(e.nodeId);
      else if (e.node) this.add(e.node);
    });
    for (const n of await this.driver.list()) this.add(n);
  }

  nodeOf(mac: string): string | undefined {
    return this.byMac.get(mac.toLowerCase());
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private add(n: Node): void {
    this.forget(n.id);
    for (const nic of n.nics) this.byMac.set(nic.mac.toLowerCase(), n.id);
  }

  private forget(id: string): void {
    for (const [mac, owner] of this.byMac) if (owner === id) this.byMac.delete(mac);
  }
}
