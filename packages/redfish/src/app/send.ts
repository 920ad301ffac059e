import type { RedfishResponse } from '../http-request.js';
import type { Reply } from '../route.js';

/**
 * Write a handler's reply. node's http server itself leaves the body out of a HEAD answer and sets
 * Content-Length for a one-shot end() (of a GET; the GET resource path sets it itself so that HEAD carries it too).
 */
export function send(res: RedfishResponse, reply: Reply): void {
  res.statusCode = reply.status;
  if (reply.headers) for (const k in reply.headers) res.setHeader(k, reply.headers[k]!);
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
    res.end();
    return;
  }
  if (typeof reply.body === 'string') {
    if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(reply.body);
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(reply.body));
}
