/** GET /media/<sha256>: a finished image of the shared virtual-media cache, by the sha256 of its bytes. */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ImageCache } from '@bmc-emu/core';

const MEDIA_PATH = /^\/media\/([0-9a-f]{64})$/;

/** The sha256 a /media/ path names, or undefined when the path is not one. */
export function mediaKey(path: string): string | undefined {
  return MEDIA_PATH.exec(path)?.[1];
}

/** The cached image with this sha256, or undefined when the cache holds none. */
export async function cachedMedia(
  cache: ImageCache,
  sha256: string,
): Promise<{ path: string; stat: Stats } | undefined> {
  const path = cache.blobPath(sha256);
  const st = await stat(path).catch(() => undefined);
  return st?.isFile() ? { path, stat: st } : undefined;
}
