import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errors } from '@bmc-emu/core';

export interface HttpGetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  insecureTls: boolean;
  maxRedirects: number;
  /** Socket idle timeout (ms). */
  timeoutMs: number;
}

/** One GET with redirects followed (http/https only); resolves with the response whose body is unread. */
export async function httpGet(url: URL, opts: HttpGetOptions): Promise<IncomingMessage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await once(current, opts);
    const location = res.headers.location;
    if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
      res.resume();
      if (hop >= opts.maxRedirects) {
        throw errors.media(`Too many redirects fetching ${url.href}`, { url: url.href });
      }
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw errors.media(`Redirect to unsupported scheme ${next.protocol}`, { url: url.href });
      }
      current = next;
      continue;
    }
    return res;
  }
}

function once(url: URL, opts: HttpGetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make(url, {
      method: 'GET',
      headers: opts.headers,
      signal: opts.signal,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !opts.insecureTls } : {}),
    });
    req.setTimeout(opts.timeoutMs, () => req.destroy(errors.timeout(`no answer from ${url.host}`)));
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}
