import type { EventBus, FrontEnd, NodeDriver } from '@bmc-emu/core';
import { addNodeGauges, instrumentDriver, metricsMount, RackMetrics } from '@bmc-emu/metrics';
import type { RedfishMount } from '@bmc-emu/redfish';
import type { Config } from './config-schema.js';

export interface MetricsWiring {
  /** The driver front ends get: timed by the metrics when they are on. */
  driver: NodeDriver;
  mounts: RedfishMount[];
  /** Add the gauges of the front ends that started. */
  started(frontEnds: readonly FrontEnd[]): void;
  close(): void;
}

/** `GET /metrics` on the Redfish listener, fed by the event stream and the instrumented driver; off by `metrics.enabled`. */
export function wireMetrics(config: Readonly<Config>, driver: NodeDriver, bus: EventBus): MetricsWiring {
  if (!config.metrics.enabled || !config.redfish.enabled) {
    return { driver, mounts: [], started: () => undefined, close: () => undefined };
  }
  const metrics = new RackMetrics({ bus });
  addNodeGauges(metrics, driver);
  if (driver.hypervisors) {
    const list = driver.hypervisors.bind(driver);
    metrics.addGauge({
      name: 'bmcemu_hypervisor_up',
      help: '1 while the hypervisor answers, else 0.',
      labelNames: ['hypervisor'],
      read: () => list().map((h) => ({ labels: { hypervisor: h.name }, value: h.up ? 1 : 0 })),
    });
  }
  return {
    driver: instrumentDriver(driver, metrics),
    mounts: [metricsMount(metrics) as RedfishMount],
    started(frontEnds) {
      for (const fe of frontEnds) for (const g of fe.gauges?.() ?? []) metrics.addGauge(g);
    },
    close: () => metrics.close(),
  };
}
