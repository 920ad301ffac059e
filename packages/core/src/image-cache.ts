/**
 * The virtual-media image cache as the front ends see it: one instance, created by `bmc-emu serve`, that
 * Redfish InsertMedia fills and boot HTTP serves from (MediaCache of @bmc-emu/boot-http implements it).
 */

export interface MediaProgress {
  url: string;
  /** Bytes on disk so far, including bytes resumed from a partial download. */
  received: number;
  /** From Content-Length / Content-Range; undefined when the server sent none. */
  total?: number;
  /** Bytes skipped thanks to a resumed partial download. */
  resumedFrom: number;
}

export interface MediaFetchOptions {
  signal?: AbortSignal;
  onProgress?: (p: MediaProgress) => void;
}

export interface MediaFetchResult {
  path: string;
  sha256: string;
  size: number;
  /** true when no body was downloaded (cached and still valid). */
  hit: boolean;
}

export interface ImageCache {
  /** A local file holding the image at `url`, downloaded at most once (BMCEMU_MEDIA_ERROR when it cannot be). */
  fetch(url: string, opts?: MediaFetchOptions): Promise<MediaFetchResult>;
  /** Where the finished image with this sha256 lives, whether or not it exists. */
  blobPath(sha256: string): string;
}
