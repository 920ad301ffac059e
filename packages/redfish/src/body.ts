import type { RedfishRequest } from './http-request.js';
import { httpError } from './http-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Read and parse a JSON request body (empty body -> undefined). Redfish errors for bad JSON or a huge body. */
export async function readJsonBody(req: RedfishRequest, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw httpError(413, 'PayloadTooLarge');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw httpError(413, 'PayloadTooLarge');
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  const type = String(req.headers['content-type'] ?? 'application/json');
  if (!/json|^text\/plain|^application\/x-www-form-urlencoded/i.test(type))
    throw httpError(415, 'UnsupportedMediaType');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw httpError(400, 'MalformedJSON');
  }
}
