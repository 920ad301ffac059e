import { isBmcEmuError } from '../errors.js';
import type { ImageCache, MediaFetchResult, MediaProgress } from '../image-cache.js';
import type { MediaSlot } from '../node.js';
import type { EventBus } from './event-bus.js';

export interface PublishedFetchOptions {
  /** The node the image is for (its UUID): every event names it. */
  node: string;
  slot?: MediaSlot;
  signal?: AbortSignal;
  /** At most this many `progress` events per second (default 4); started/done/failed always go out. */
  progressPerSecond?: number;
  /** Every progress report of the cache, not rate-limited (e.g. a Redfish task's PercentComplete). */
  onProgress?: (p: MediaProgress) => void;
  /**
   * Work that belongs to the story before it is `done` (the console checks and attaches the image here, so
   * its bar reaches 100 % when the node has the media): a throw ends the story in `failed` with its error.
   */
  beforeDone?: (got: MediaFetchResult) => Promise<void>;
}

/**
 * `cache.fetch(url)` with its story on the bus as `media-download` events: started, progress (rate-limited,
 * never the last 100 % one, which `done` says), then done (with `hit` when nothing was downloaded) or failed.
 * Without a bus it is a plain fetch.
 */
export async function fetchPublished(
  cache: ImageCache,
  bus: EventBus | undefined,
  url: string,
  opts: PublishedFetchOptions,
): Promise<MediaFetchResult> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  const own = opts.onProgress;
  if (!bus) {
    const got = await cache.fetch(url, { ...signal, ...(own ? { onProgress: own } : {}) });
    await opts.beforeDone?.(got);
    return got;
  }
  const base = { kind: 'media-download', node: opts.node, url, ...(opts.slot ? { slot: opts.slot } : {}) } as const;
  const gapMs = 1000 / (opts.progressPerSecond ?? 4);
  let last = -Infinity;
  bus.publish({ ...base, phase: 'started', bytes: 0, done: false });
  try {
    const got = await cache.fetch(url, {
      ...signal,
      onProgress: (p) => {
        own?.(p);
        const now = performance.now();
        if (now - last < gapMs || (p.total !== undefined && p.received >= p.total)) return;
        last = now;
        bus.publish({
          ...base,
          phase: 'progress',
          bytes: p.received,
          ...(p.total !== undefined ? { total: p.total } : {}),
          done: false,
        });
      },
    });
    await opts.beforeDone?.(got);
    bus.publish({ ...base, phase: 'done', bytes: got.size, total: got.size, done: true, hit: got.hit });
    return got;
  } catch (err) {
    bus.publish({
      ...base,
      phase: 'failed',
      bytes: 0,
      done: true,
      error: String((err as Error)?.message ?? err),
      code: isBmcEmuError(err) ? err.code : 'UNKNOWN',
    });
    throw err;
  }
}
