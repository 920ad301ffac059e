import type { ExtraHandler, MediaCache } from '@bmc-emu/boot-http';
import type { EventBus, FrontEnd, NodeDriver } from '@bmc-emu/core';
import {
  addMediaCacheMetrics,
  addNodeGauges,
  instrumentDriver,
  metricsMount,
  RackMetrics,
  serveMetrics,
} from '@bmc-emu/metrics';
import type { RedfishMount } from '@bmc-emu/redfish';
import type { Config } from './config-schema.js';

export interface MetricsWiring {
  /** The driver front ends get: its failures published as `driver-error` events, timed when metrics are on. */
  driver: NodeDriver;
  /** On the Redfish listener. */
  mounts: RedfishMount[];
  /** Tried first by the boot-HTTP listener (`GET /metrics` there, unless `metrics.bootHttp` is false). */
  bootHttpHandlers: ExtraHandler[];
  /** Add the gauges of the front ends that started. */
  started(frontEnds: readonly FrontEnd[]): void;
  close(): void;
}

/**
 * `GET /metrics` on the Redfish and boot-HTTP listeners, fed by the event stream, the instrumented driver and
 * the media cache; off by `metrics.enabled` (and per listener). Driver errors reach the bus either way.
 */
export function wireMetrics(
  config: Readonly<Config>,
  driver: NodeDriver,
  bus: EventBus,
  mediaCache?: MediaCache,
): MetricsWiring {
  const onRedfish = config.metrics.enabled && config.redfish.enabled;
  const onBootHttp = config.metrics.enabled && config.metrics.bootHttp && config.http.enabled;
  if (!onRedfish && !onBootHttp) {
    return {
      driver: instrumentDriver(driver, { events: bus }),
      mounts: [],
      bootHttpHandlers: [],
      started: () => undefined,
      close: () => undefined,
    };
  }
  const metrics = new RackMetrics({ bus });
  addNodeGauges(metrics, driver);
  if (mediaCache) addMediaCacheMetrics(metrics, mediaCache);
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
    driver: instrumentDriver(driver, { metrics, events: bus }),
    mounts: onRedfish ? [metricsMount(metrics) as RedfishMount] : [],
    bootHttpHandlers: onBootHttp ? [(req, res) => serveMetrics(metrics, req, res)] : [],
    started(frontEnds) {
      for (const fe of frontEnds) for (const g of fe.gauges?.() ?? []) metrics.addGauge(g);
    },
    close: () => metrics.close(),
  };
}
