import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Answer {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * Sends a whole answer (an error, usually) unless one is already under way, in which case the connection is cut:
 * a half-sent answer cannot be repaired. When the request body was not read to its end, the connection is
 * closed after the answer so that the unread bytes are never parsed as the next request. Returns the bytes sent.
 */
export function sendAnswer(req: IncomingMessage, res: ServerResponse, a: Answer): number {
  if (res.headersSent) {
    res.destroy();
    return 0;
  }
  const body = typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
  res.statusCode = a.status;
  if (a.headers) for (const k in a.headers) res.setHeader(k, a.headers[k]!);
  res.setHeader('Content-Type', a.contentType);
  res.setHeader('Content-Length', String(body.length));
  if (!req.complete) res.setHeader('Connection', 'close');
  res.end(req.method === 'HEAD' ? undefined : body);
  return req.method === 'HEAD' ? 0 : body.length;
}
