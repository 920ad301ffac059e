import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

export interface ReadBodyOptions {
  /** Most bytes accepted; a larger body (declared or sent) is a 413. */
  limit: number;
}

/**
 * Reads a whole request body, at most `limit` bytes, whether it comes with Content-Length or chunked.
 * A declared length over the limit is refused before any byte is read; a body that grows past it stops being
 * read at once (the answer must then close the connection: see `sendAnswer`). A client that goes away mid-body
 * is a 400 `body-aborted` (nobody reads that answer, but the handler's work stops there).
 */
export async function readBody(req: IncomingMessage, opts: ReadBodyOptions): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > opts.limit) throw tooLarge(opts.limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > opts.limit) throw tooLarge(opts.limit);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'the request body was cut off before its end', 'body-aborted');
  }
  // node ends the stream without an error on some aborts: a short body is not a whole body
  if (!req.complete) throw new HttpError(400, 'the request body was cut off before its end', 'body-aborted');
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `the request body is larger than ${limit} bytes`, 'body-too-large');
}

/** The media type of a request's Content-Type, lower-cased, without parameters; undefined when absent. */
export function mediaType(req: IncomingMessage): string | undefined {
  const raw = req.headers['content-type'];
  if (raw === undefined) return undefined;
  const type = raw.split(';')[0]!.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/**
 * Throws a 415 naming the accepted types unless the request's media type is one of them (`+json` suffix types
 * match `application/json` when it is accepted). A request without Content-Type passes when `allowMissing`.
 */
export function requireMediaType(req: IncomingMessage, accepted: readonly string[], allowMissing = true): void {
  const type = mediaType(req);
  if (type === undefined && allowMissing) return;
  if (type !== undefined && accepted.includes(type)) return;
  if (type !== undefined && /^application\/[\w.+-]+\+json$/.test(type) && accepted.includes('application/json')) return;
  throw new HttpError(415, `the request body must be sent as ${accepted.join(' or ')}`, 'unsupported-media-type', {
    Accept: accepted.join(', '),
  });
}
