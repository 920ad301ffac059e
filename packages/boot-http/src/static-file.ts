/**
 * Send one file: sendfile(2) or streamed (never buffered whole), with Range/If-Range, HEAD, ETag/Last-Modified,
 * If-None-Match/If-Modified-Since and an exact Content-Length.
 */
import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { contentRange, parseRange } from './codec/range.js';
import { type BodyEngine, sendBody } from './send-body.js';

const TYPES: Record<string, string> = {
  '.ipxe': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.ign': 'application/vnd.coreos.ignition+json',
  '.iso': 'application/x-iso9660-image',
  '.efi': 'application/efi',
  '.gz': 'application/gzip',
  '.xz': 'application/x-xz',
};

export function fileEtag(st: Stats): string {
  return `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

function notModified(req: IncomingMessage, etag: string, mtime: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm
      .split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === '*' || t === etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

function rangeApplies(req: IncomingMessage, etag: string, lastModified: string): boolean {
  const ifRange = req.headers['if-range'];
  if (ifRange === undefined) return true;
  return ifRange === etag || ifRange === lastModified;
}

/** Counts body bytes as they go out (the access log reads it when the response closes). */
export interface ByteCounter {
  bytes: number;
}

export interface SendFileOptions {
  contentType?: string;
  /** How the body goes out (default 'stream'). */
  engine?: BodyEngine;
  /** Told which engine sent a body (not called for HEAD, 304, 416 or empty bodies). */
  onBody?: (engine: BodyEngine) => void;
}

export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  st: Stats,
  counter: ByteCounter,
  { contentType, engine = 'stream', onBody }: SendFileOptions = {},
): Promise<void> {
  const etag = fileEtag(st);
  const lastModified = st.mtime.toUTCString();
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('etag', etag);
  res.setHeader('last-modified', lastModified);
  res.setHeader('content-type', contentType ?? TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream');
  if (notModified(req, etag, st.mtime)) {
    res.statusCode = 304;
    res.removeHeader('content-type');
    res.end();
    return;
  }
  const range = rangeApplies(req, etag, lastModified)
    ? parseRange(req.headers.range, st.size)
    : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    res.statusCode = 416;
    res.setHeader('content-range', `bytes */${st.size}`);
    res.setHeader('content-length', '0');
    res.end();
    return;
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : st.size - 1;
  const length = st.size === 0 ? 0 : end - start + 1;
  res.statusCode = range.kind === 'partial' ? 206 : 200;
  if (range.kind === 'partial') res.setHeader('content-range', contentRange(range, st.size));
  res.setHeader('content-length', String(length));
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  try {
    onBody?.(await sendBody(res, path, start, end, counter, engine));
  } catch {
    // client went away mid-transfer: the access log shows the short byte count
    res.destroy();
  }
}
