import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RackMetrics } from './rack-metrics.js';

/**
 * Answers `GET /metrics` (and HEAD) in the Prometheus text format; returns false for any other path so
 * the listener it is mounted in can carry on.
 */
export function serveMetrics(metrics: RackMetrics, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?', 1)[0];
  if (path !== '/metrics') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('GET or HEAD only\n');
    return true;
  }
  metrics.scrape().then(
    (body) => {
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics collection failed: ${String(err)}\n`);
    },
  );
  return true;
}
