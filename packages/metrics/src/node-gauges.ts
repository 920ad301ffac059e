import type { NodeDriver } from '@bmc-emu/core';
import type { RackMetrics } from './rack-metrics.js';

/** Per-node power gauges read from the driver's (cached) list on each scrape. */
export function addNodeGauges(metrics: RackMetrics, driver: NodeDriver): void {
  metrics.addGauge({
    name: 'bmcemu_node_power_on',
    help: '1 when the node is powered on (or powering on), else 0.',
    labelNames: ['node', 'name'],
    async read() {
      const nodes = await driver.list();
      return nodes.map((n) => ({
        labels: { node: n.id, name: n.name },
        value: n.powerState === 'On' || n.powerState === 'PoweringOn' ? 1 : 0,
      }));
    },
  });
  metrics.addGauge({
    name: 'bmcemu_nodes',
    help: 'Nodes served, by power state.',
    labelNames: ['power_state'],
    async read() {
      const counts = new Map<string, number>();
      for (const n of await driver.list()) counts.set(n.powerState, (counts.get(n.powerState) ?? 0) + 1);
      return [...counts].map(([power_state, value]) => ({ labels: { power_state }, value }));
    },
  });
}
