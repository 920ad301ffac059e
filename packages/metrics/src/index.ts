export { serveMetrics } from './http-handler.js';
export { instrumentDriver } from './instrument-driver.js';
export { addNodeGauges } from './node-gauges.js';
export { type GaugeSample, type GaugeSource, RackMetrics, type RackMetricsOptions } from './rack-metrics.js';
export { routeLabel } from './route-label.js';
export { type MetricsSection, metricsSection } from './config-section.js';
export { metricsMount } from './mount.js';
export { addMediaCacheMetrics, type MediaCacheView } from './media-cache-metrics.js';
export { type InstrumentOptions } from './instrument-driver.js';
