/** Small HTTP helpers of the console API: JSON in and out, one error table, same-origin checks. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, isBmcEmuError } from '@bmc-emu/core';

export class ConsoleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleHttpError';
  }
}

/** The one place a driver error becomes an HTTP status for the console. */
const STATUS_OF: Record<string, number> = {
  [ErrorCode.NodeNotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.Unsupported]: 400,
  [ErrorCode.MediaError]: 400,
  [ErrorCode.DriverUnavailable]: 503,
  [ErrorCode.Timeout]: 503,
};

export function errorReply(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof ConsoleHttpError) return { status: err.status, code: err.code, message: err.message };
  if (isBmcEmuError(err)) return { status: STATUS_OF[err.code] ?? 500, code: err.code, message: err.message };
  return { status: 500, code: ErrorCode.Internal, message: 'internal error; see the bmc-emu log' };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = errorReply(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.status, { error: { code: e.code, message: e.message } });
}

const MAX_BODY = 64 * 1024;

/** A JSON request body (at most 64 KiB; `Content-Type: application/json` required, which also keeps plain HTML forms out). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';', 1)[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/json') throw new ConsoleHttpError(415, 'UnsupportedMediaType', 'send application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ConsoleHttpError(413, 'PayloadTooLarge', `bodies are limited to ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ConsoleHttpError(400, 'MalformedJSON', 'the body is not valid JSON');
  }
}

/**
 * A browser sends Origin on every cross-origin request and on WebSocket handshakes: when present it must be
 * this very host (a page elsewhere must not drive the rack with the user's cookie).
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
