/**
 * Virtual-media image cache shared by Redfish (InsertMedia) and boot HTTP (GET /media/<sha256>): every image URL is downloaded once,
 * stored under its sha256, resumed from a partial file after an interruption, and bounded in size.
 *
 * Layout under `dir`:
 *   blobs/<sha256>          finished images (content-addressed; two URLs with the same bytes share one file)
 *   index/<urlKey>.json     what a URL resolved to last time: {url, etag, lastModified, sha256, size}
 *   partial/<urlKey>.part   an interrupted download, resumed with Range + If-Range
 *   partial/<urlKey>.json   the validators (ETag/Last-Modified) the partial bytes belong to
 * `urlKey` is sha256(url); the index entry is revalidated with If-None-Match / If-Modified-Since, so a changed
 * image (new ETag) is fetched again while an unchanged one costs one 304.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import {
  BmcEmuError,
  errors,
  type ImageCache,
  type Logger,
  type MediaFetchOptions,
  type MediaFetchResult,
  type MediaProgress,
  silentLogger,
  writeFileAtomic,
} from '@bmc-emu/core';
import { httpGet } from './http-get.js';

export interface MediaCacheOptions {
  dir: string;
  /** Largest image accepted, in bytes. */
  maxBytes: number;
  logger?: Logger;
  /** Accept self-signed https certificates (BMC labs are full of them). Default false. */
  insecureTls?: boolean;
  /** Abort a download when no byte arrives for this long (ms). Default 30 s. */
  idleTimeoutMs?: number;
}

export type { MediaFetchOptions, MediaFetchResult, MediaProgress } from '@bmc-emu/core';

interface IndexEntry {
  url: string;
  etag?: string;
  lastModified?: string;
  sha256: string;
  size: number;
}

interface PartialMeta {
  etag?: string;
  lastModified?: string;
}

interface InFlight {
  promise: Promise<MediaFetchResult>;
  controller: AbortController;
  listeners: Set<(p: MediaProgress) => void>;
  waiters: number;
}

/** What `/metrics` shows of the cache (counters since start). */
export interface MediaCacheStats {
  /** Lookups answered from the cache (valid entry, or a 304 from the image server). */
  hits: number;
  /** Lookups that had to go to the image server (successful or not). */
  misses: number;
  /** Bodies being received right now. */
  downloading: number;
  /** Image bytes received from image servers (resumed bytes already on disk excluded). */
  downloadedBytes: number;
}

const PROGRESS_EVERY_MS = 200;
/** A progress log line (what `bmc-emu serve` shows for a long download) at most this often. */
const LOG_EVERY_MS = 5_000;

export class MediaCache implements ImageCache {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly logger: Logger;
  private readonly insecureTls: boolean;
  private readonly idleTimeoutMs: number;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly counts: MediaCacheStats = { hits: 0, misses: 0, downloading: 0, downloadedBytes: 0 };

  constructor(opts: MediaCacheOptions) {
    if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes <= 0) {
      throw errors.invalidArgument('MediaCache maxBytes must be a positive integer', { maxBytes: opts.maxBytes });
    }
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.logger = opts.logger ?? silentLogger();
    this.insecureTls = opts.insecureTls ?? false;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  }

  /** Counters since start; one lookup per download, however many callers share it. */
  stats(): MediaCacheStats {
    return { ...this.counts };
  }

  /** Bytes of finished images on disk (read from the blobs folder; 0 before the first download). */
  async cachedBytes(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, 'blobs'));
    } catch {
      return 0;
    }
    let total = 0;
    for (const name of names) total += Math.max(0, await fileSize(join(this.dir, 'blobs', name)));
    return total;
  }

  /** Path of a finished blob, whether or not it exists. */
  blobPath(sha256: string): string {
    return join(this.dir, 'blobs', sha256);
  }

  /**
   * Return a local file holding the image at `url`, downloading it at most once even when many callers ask
   * at the same time. Fails with BMCEMU_MEDIA_ERROR (bad scheme, HTTP error, too big, disk full, aborted).
   */
  fetch(url: string, opts: MediaFetchOptions = {}): Promise<MediaFetchResult> {
    let parsed: URL;
    try {
      parsed = parseImageUrl(url);
    } catch (err) {
      return Promise.reject(err);
    }
    const key = parsed.href;
    let flight = this.inFlight.get(key);
    if (!flight) {
      const controller = new AbortController();
      const listeners = new Set<(p: MediaProgress) => void>();
      const promise = this.download(parsed, controller.signal, (p) => {
        for (const l of listeners) l(p);
      }).finally(() => this.inFlight.delete(key));
      flight = { promise, controller, listeners, waiters: 0 };
      this.inFlight.set(key, flight);
    }
    return this.join(flight, opts);
  }

  /** Attach one caller to a shared download; the download is aborted only when every caller has gone. */
  private join(flight: InFlight, opts: MediaFetchOptions): Promise<MediaFetchResult> {
    const { signal, onProgress } = opts;
    if (signal?.aborted) return Promise.reject(aborted(signal.reason));
    flight.waiters++;
    if (onProgress) flight.listeners.add(onProgress);
    return new Promise<MediaFetchResult>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        if (onProgress) flight.listeners.delete(onProgress);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        settled = true;
        leave();
        if (--flight.waiters === 0) flight.controller.abort(signal?.reason);
        reject(aborted(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (r) => {
          if (settled) return;
          settled = true;
          flight.waiters--;
          leave();
          resolve(r);
        },
        (e: unknown) => {
          if (settled) return;
          settled = true;
          flight.waiters--;
          leave();
          reject(e);
        },
      );
    });
  }

  private async download(
    url: URL,
    signal: AbortSignal,
    progress: (p: MediaProgress) => void,
  ): Promise<MediaFetchResult> {
    const urlKey = sha256Hex(url.href);
    const indexFile = join(this.dir, 'index', `${urlKey}.json`);
    const partFile = join(this.dir, 'partial', `${urlKey}.part`);
    const partMetaFile = join(this.dir, 'partial', `${urlKey}.json`);
    await this.mkdirs();

    const cached = await this.validEntry(indexFile);
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    else if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    else if (cached) return this.hit(cached, url);

    let resumeFrom = 0;
    if (!cached) {
      const meta = await readJson<PartialMeta>(partMetaFile);
      const size = await fileSize(partFile);
      const validator = meta?.etag && !meta.etag.startsWith('W/') ? meta.etag : meta?.lastModified;
      if (size > 0 && validator) {
        resumeFrom = size;
        headers.range = `bytes=${size}-`;
        headers['if-range'] = validator;
      }
    }

    let res: IncomingMessage;
    try {
      res = await this.request(url, headers, signal);
    } catch (err) {
      this.counts.misses++;
      throw err;
    }
    try {
      if (res.statusCode === 304 && cached) return await this.hit(cached, url);
      this.counts.misses++;
      if (res.statusCode === 206 && resumeFrom > 0 && contentRangeStart(res) === resumeFrom) {
        this.logger.info({ url: url.href, resumeFrom }, 'media: resuming download');
      } else if (res.statusCode === 200) {
        resumeFrom = 0;
      } else {
        throw errors.media(`Downloading ${url.href} failed with HTTP ${res.statusCode}. Check the image URL.`, {
          url: url.href,
          status: res.statusCode,
        });
      }
      const total = expectedTotal(res, resumeFrom);
      if (total !== undefined && total > this.maxBytes) {
        throw tooBig(url, total, this.maxBytes);
      }
      const etag = header(res, 'etag');
      const lastModified = header(res, 'last-modified');
      await writeFileAtomic(partMetaFile, JSON.stringify({ etag, lastModified } satisfies PartialMeta));
      const { sha256, size } = await this.receive(res, partFile, resumeFrom, total, url, signal, progress);
      if (total !== undefined && size !== total) {
        throw errors.media(`Download of ${url.href} ended early (${size} of ${total} bytes); it resumes on retry.`, {
          url: url.href,
          size,
          total,
        });
      }
      const blob = this.blobPath(sha256);
      if ((await fileSize(blob)) === size) await unlink(partFile);
      else await rename(partFile, blob);
      await unlink(partMetaFile).catch(() => undefined);
      const entry: IndexEntry = { url: url.href, etag, lastModified, sha256, size };
      await writeFileAtomic(indexFile, JSON.stringify(entry));
      this.logger.info({ url: url.href, sha256, size, resumedFrom: resumeFrom }, 'media: downloaded');
      return { path: blob, sha256, size, hit: false };
    } catch (err) {
      res.destroy();
      throw asMediaError(err, url, signal);
    }
  }

  /** Stream the body onto the partial file, hashing the bytes already there first when resuming. */
  private async receive(
    res: IncomingMessage,
    partFile: string,
    resumeFrom: number,
    total: number | undefined,
    url: URL,
    signal: AbortSignal,
    progress: (p: MediaProgress) => void,
  ): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    if (resumeFrom > 0) {
      for await (const chunk of createReadStream(partFile, { end: resumeFrom - 1 })) hash.update(chunk as Buffer);
    }
    let fh: FileHandle | undefined;
    let received = resumeFrom;
    let lastReport = 0;
    let lastLog = Date.now();
    const report = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = now;
      progress({ url: url.href, received, total, resumedFrom: resumeFrom });
      if (now - lastLog >= LOG_EVERY_MS) {
        lastLog = now;
        const pct = total ? Math.floor((received / total) * 100) : undefined;
        this.logger.info({ url: url.href, received, total, pct }, `media: downloading ${pct ?? '?'}%`);
      }
    };
    this.counts.downloading++;
    try {
      fh = await open(partFile, resumeFrom > 0 ? 'r+' : 'w');
      let position = resumeFrom;
      report(true);
      res.setTimeout(this.idleTimeoutMs, () => res.destroy(errors.timeout(`no data from ${url.href}`)));
      for await (const chunk of res) {
        if (signal.aborted) throw aborted(signal.reason);
        const buf = chunk as Buffer;
        received += buf.length;
        this.counts.downloadedBytes += buf.length;
        if (received > this.maxBytes) throw tooBig(url, received, this.maxBytes);
        hash.update(buf);
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await fh.write(buf, off, buf.length - off, position);
          off += bytesWritten;
          position += bytesWritten;
        }
        report(false);
      }
      if (signal.aborted) throw aborted(signal.reason);
      await fh.truncate(position);
      await fh.sync();
      report(true);
    } finally {
      this.counts.downloading--;
      await fh?.close();
    }
    return { sha256: hash.digest('hex'), size: received };
  }

  private async request(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    try {
      return await httpGet(url, {
        headers,
        signal,
        insecureTls: this.insecureTls,
        maxRedirects: 5,
        timeoutMs: this.idleTimeoutMs,
      });
    } catch (err) {
      throw asMediaError(err, url, signal);
    }
  }

  private async validEntry(indexFile: string): Promise<IndexEntry | undefined> {
    const entry = await readJson<IndexEntry>(indexFile);
    if (!entry) return undefined;
    return (await fileSize(this.blobPath(entry.sha256))) === entry.size ? entry : undefined;
  }

  private async hit(entry: IndexEntry, url: URL): Promise<MediaFetchResult> {
    this.counts.hits++;
    const path = this.blobPath(entry.sha256);
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined); // recency, for whoever prunes the cache
    this.logger.debug({ url: url.href, sha256: entry.sha256 }, 'media: cache hit');
    return { path, sha256: entry.sha256, size: entry.size, hit: true };
  }

  private async mkdirs(): Promise<void> {
    try {
      for (const sub of ['blobs', 'index', 'partial']) await mkdir(join(this.dir, sub), { recursive: true });
    } catch (err) {
      throw errors.media(`Cannot create the media cache folder ${this.dir}: ${(err as Error).message}`, {
        dir: this.dir,
      });
    }
  }
}

function parseImageUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw errors.media(`"${url}" is not a URL. Give an http:// or https:// image URL.`, { url });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw errors.media(`Only http:// and https:// image URLs are supported, not ${parsed.protocol}`, { url });
  }
  parsed.hash = '';
  return parsed;
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentRangeStart(res: IncomingMessage): number | undefined {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header(res, 'content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

function expectedTotal(res: IncomingMessage, resumeFrom: number): number | undefined {
  if (res.statusCode === 206) {
    const m = /\/(\d+)$/.exec(header(res, 'content-range') ?? '');
    if (m) return Number(m[1]);
  }
  const len = header(res, 'content-length');
  return len !== undefined && /^\d+$/.test(len) ? Number(len) + resumeFrom : undefined;
}

function tooBig(url: URL, size: number, max: number): BmcEmuError {
  return errors.media(`The image at ${url.href} is larger (${size} bytes) than the cache limit of ${max} bytes.`, {
    url: url.href,
    size,
    maxBytes: max,
  });
}

function aborted(reason: unknown): BmcEmuError {
  return errors.media('The image download was cancelled.', { aborted: true }, reason);
}

function asMediaError(err: unknown, url: URL, signal: AbortSignal): BmcEmuError {
  if (err instanceof BmcEmuError) {
    return err.code === 'BMCEMU_MEDIA_ERROR' ? err : errors.media(err.message, { url: url.href }, err);
  }
  if (signal.aborted) return aborted(signal.reason);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return errors.media(`The disk holding the media cache is full while downloading ${url.href}.`, {
      url: url.href,
      errno: code,
    });
  }
  return errors.media(`Downloading ${url.href} failed: ${(err as Error)?.message ?? String(err)}`, {
    url: url.href,
    errno: code,
  });
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return -1;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
