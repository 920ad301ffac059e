import type { HypervisorStatus } from '@bmc-emu/core';

/** What `bmc-emu nodes` prints under the node table for a driver over several hypervisors. */
export function hypervisorLines(hypervisors: readonly HypervisorStatus[]): string[] {
  if (hypervisors.length === 0) return [];
  const rows = hypervisors.map((h) => [
    h.name,
    h.uri,
    h.up ? 'up' : `down (${h.reason ?? 'no answer'})`,
    `${h.nodes} node${h.nodes === 1 ? '' : 's'}`,
  ]);
  const head = ['HYPERVISOR', 'URI', 'STATE', 'NODES'];
  const widths = head.map((t, c) => Math.max(t.length, ...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((v, c) => v.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const lines = ['', fmt(head), ...rows.map(fmt)];
  const dupes = hypervisors.flatMap((h) =>
    h.duplicates.map((d) => `  ${d.id} on ${h.name}: served from ${d.servedBy}`),
  );
  if (dupes.length) lines.push('', 'duplicate UUIDs (reported, never merged):', ...dupes);
  return lines;
}
