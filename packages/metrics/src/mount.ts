import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveMetrics } from './http-handler.js';
import type { RackMetrics } from './rack-metrics.js';

/**
 * A Redfish-listener mount (structurally a `RedfishMount`) for exactly `/metrics`: Prometheus scrapes
 * without credentials, so this one path answers unauthenticated; `/metrics/...` is a 404.
 */
export function metricsMount(metrics: RackMetrics) {
  return {
    prefix: '/metrics/',
    attach: () => ({
      request(req: IncomingMessage, res: ServerResponse) {
        if (!serveMetrics(metrics, req, res)) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      },
    }),
  };
}
