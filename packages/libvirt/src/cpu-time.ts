/** `cpu.time=<ns>` out of `virsh domstats --cpu-total` text; undefined when absent (domain not running). */
export function parseCpuTime(domstats: string): number | undefined {
  const m = /^\s*cpu\.time=(\d+)\s*$/m.exec(domstats);
  if (!m) return undefined;
  const ns = Number(m[1]);
  return Number.isSafeInteger(ns) ? ns : undefined;
}
