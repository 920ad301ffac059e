import type { NodeDriver } from '../driver.js';
import type { Node } from '../node.js';

/** Load assumed for a running host whose driver cannot tell its CPU time. */
export const NOMINAL_LOAD = 0.3;

interface Sample {
  at: number;
  cpuTimeNs: number;
  load: number;
}

/**
 * Host CPU load per node, from the driver's CPU time counter (`virsh domstats --cpu-total`) when it
 * has one: the share of the node's vCPUs busy between two samples. Sampled at most every `minGapMs`.
 */
export class CpuLoad {
  private readonly samples = new Map<string, Sample>();

  constructor(
    private readonly driver: NodeDriver,
    private readonly minGapMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async load(node: Node): Promise<number> {
    if (node.powerState === 'Off' || node.powerState === 'PoweringOn') return 0;
    if (!this.driver.cpuTime) return NOMINAL_LOAD;
    const prev = this.samples.get(node.id);
    const at = this.now();
    if (prev && at - prev.at < this.minGapMs) return prev.load;
    let cpuTimeNs: number | undefined;
    try {
      cpuTimeNs = await this.driver.cpuTime(node.id);
    } catch {
      cpuTimeNs = undefined;
    }
    if (cpuTimeNs === undefined) return prev?.load ?? NOMINAL_LOAD;
    let load = prev?.load ?? NOMINAL_LOAD;
    if (prev && cpuTimeNs >= prev.cpuTimeNs && at > prev.at) {
      load = (cpuTimeNs - prev.cpuTimeNs) / ((at - prev.at) * 1e6 * Math.max(1, node.cpu.count));
    }
    load = Math.min(1, Math.max(0, load));
    this.samples.set(node.id, { at, cpuTimeNs, load });
    return load;
  }

  forget(nodeId: string): void {
    this.samples.delete(nodeId);
  }
}
