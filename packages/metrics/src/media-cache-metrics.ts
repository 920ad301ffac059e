import type { RackMetrics } from './rack-metrics.js';

/** What the media cache tells (structurally `MediaCache` of @bmc-emu/boot-http, which metrics does not import). */
export interface MediaCacheView {
  stats(): { hits: number; misses: number; downloading: number; downloadedBytes: number };
  cachedBytes(): Promise<number>;
}

/** `bmcemu_media_cache_*`: the shared virtual-media cache's hits, misses, size, downloads under way and bytes. */
export function addMediaCacheMetrics(metrics: RackMetrics, cache: MediaCacheView): void {
  metrics.addCounter({
    name: 'bmcemu_media_cache_hits_total',
    help: 'Image lookups answered from the media cache (one per download, however many nodes share it).',
    read: () => [{ value: cache.stats().hits }],
  });
  metrics.addCounter({
    name: 'bmcemu_media_cache_misses_total',
    help: 'Image lookups that went to the image server, successful or not.',
    read: () => [{ value: cache.stats().misses }],
  });
  metrics.addCounter({
    name: 'bmcemu_media_cache_download_bytes_total',
    help: 'Image bytes received from image servers into the media cache.',
    read: () => [{ value: cache.stats().downloadedBytes }],
  });
  metrics.addGauge({
    name: 'bmcemu_media_cache_downloads_in_flight',
    help: 'Image downloads under way.',
    read: () => [{ value: cache.stats().downloading }],
  });
  metrics.addGauge({
    name: 'bmcemu_media_cache_bytes',
    help: 'Bytes of finished images held by the media cache.',
    read: async () => [{ value: await cache.cachedBytes() }],
  });
}
