/** `cpu.time=<ns>` out of `virsh domstats --cpu-total` text; undefined when absent (domain not running). */
export function parseCpuTime(domstats: string): number | undefined {
  const m = /^\s*cpu\.time=(\d+)\s*$/m.exec(domstats);
  if (!m) return undefined;
  const ns = Number(m[1]);
  return Number.isSafeInteger(ns) ? ns : undefined;
}

/** Every domain's CPU time out of one `virsh domstats --cpu-total` for many domains: name -> ns. */
export function parseDomstats(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const block of text.split(/^(?=Domain: )/m)) {
    const name = /^Domain: '(.*)'\s*$/m.exec(block)?.[1];
    const ns = parseCpuTime(block);
    if (name !== undefined && ns !== undefined) out.set(name, ns);
  }
  return out;
}

/**
 * CPU time of the running domains of one libvirt connection, read for all of them in ONE virsh call and
 * kept for `maxAgeMs`, so sensor reads and threshold scans of a large rack cost one process, not one per node.
 */
export class CpuTimeReader {
  private last: { at: number; stats: Promise<Map<string, number>> } | undefined;

  constructor(
    private readonly read: () => Promise<string>,
    private readonly maxAgeMs = 1_500,
    private readonly now: () => number = Date.now,
  ) {}

  async of(domainName: string): Promise<number | undefined> {
    const t = this.now();
    if (!this.last || t - this.last.at > this.maxAgeMs) {
      const stats = this.read().then(parseDomstats);
      this.last = { at: t, stats };
      stats.catch(() => {
        if (this.last?.stats === stats) this.last = undefined;
      });
    }
    return (await this.last.stats).get(domainName);
  }
}
