import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, errors, isBmcEmuError, type Logger, type MediaUploadProgress } from '@bmc-emu/core';
import type { MediaPlacement } from './media-placement.js';
import { volumeName, volumeSha } from './media-placement.js';
import { LibvirtObjects } from './objects.js';
import { readPosition } from './read-position.js';
import type { Virsh } from './virsh.js';

export interface RemoteMediaStoreOptions {
  virsh: Virsh;
  placement: MediaPlacement;
  logger: Logger;
  /** The host as messages name it. */
  host: string;
  /**
   * Every disk source path of every domain on the host, or undefined when that is not known now (the
   * host is down): a volume bmc-emu uploaded that no domain uses is deleted; with undefined, none is.
   */
  inUse: () => Set<string> | undefined;
  /** An upload slower than this fails (bytes per second; the connection's command timeout is added). */
  minUploadBytesPerSec?: number;
  /** How often a running upload's progress is measured (one vol-info) and told to the waiting inserts (ms). */
  progressIntervalMs?: number;
  /** How often a running upload logs its progress (ms). */
  progressLogIntervalMs?: number;
  /** At most this many volumes are deleted per collection pass. */
  maxDeletesPerPass?: number;
}

/** An image on the host, held until release(): a collection pass never deletes a held volume. */
export interface PlacedImage {
  /** The volume's path on the host: what the cdrom's `<source file>` names. */
  path: string;
  volume: string;
  sha256: string;
  release(): void;
}

const NOT_FOUND = /not found|no storage (vol|pool) with matching/i;

/**
 * Virtual media for a host that cannot read bmc-emu's files: each image (by sha256) is copied once into
 * a storage pool on the host through the same libvirt connection (`vol-create-as` + `vol-upload`), and a
 * volume that no domain uses any more is deleted by a bounded collection pass.
 */
export class RemoteMediaStore {
  /** vol-upload commands run so far (tests check that an image is copied once per host). */
  uploads = 0;
  private readonly objects: LibvirtObjects;
  private readonly pins = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly deleting = new Map<string, Promise<void>>();
  /** Volumes this process uploaded completely (a volume found on the host is trusted only if used). */
  private readonly complete = new Set<string>();
  private readonly hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
  /** Who waits for each volume's upload and wants its progress (every insert sharing that upload). */
  private readonly watchers = new Map<string, Set<(p: MediaUploadProgress) => void>>();
  private pool: Promise<void> | undefined;

  constructor(private readonly opts: RemoteMediaStoreOptions) {
    this.objects = new LibvirtObjects(opts.virsh);
  }

  get poolName(): string {
    return this.opts.placement.pool;
  }

  /**
   * The image at `localPath` as a volume on the host, uploaded unless it is there already. `onUpload` hears
   * the upload's progress (also when this call shares an upload another one started).
   */
  async place(localPath: string, image = localPath, onUpload?: (p: MediaUploadProgress) => void): Promise<PlacedImage> {
    const { sha256, size } = await this.hash(localPath);
    const volume = volumeName(sha256);
    this.pin(volume);
    const unwatch = onUpload ? this.watch(volume, onUpload) : () => undefined;
    try {
      await this.deleting.get(volume);
      let p = this.inflight.get(volume);
      if (!p) {
        p = this.ensure(volume, localPath, size, image).finally(() => this.inflight.delete(volume));
        this.inflight.set(volume, p);
      }
      const path = await p;
      let released = false;
      return {
        path,
        volume,
        sha256,
        release: () => {
          if (!released) this.unpin(volume);
          released = true;
        },
      };
    } catch (err) {
      this.unpin(volume);
      throw err;
    } finally {
      unwatch();
    }
  }

  /**
   * Delete the volumes bmc-emu uploaded that no domain on the host uses (at most maxDeletesPerPass).
   * Returns the names deleted; does nothing while the host's domains are not known.
   */
  async collect(): Promise<string[]> {
    const used = this.opts.inUse();
    if (!used) return [];
    let volumes;
    try {
      volumes = await this.objects.listVolumes(this.poolName);
    } catch (err) {
      if (NOT_FOUND.test((err as Error).message)) return [];
      throw err;
    }
    const max = this.opts.maxDeletesPerPass ?? 32;
    const deleted: string[] = [];
    for (const v of volumes) {
      if (deleted.length >= max) break;
      if (!volumeSha(v.name) || used.has(v.path) || this.pins.has(v.name) || this.inflight.has(v.name)) continue;
      // checked and marked in one tick: a place() that starts now waits for the delete, then uploads anew
      const p = this.objects.deleteVolume(this.poolName, v.name).finally(() => this.deleting.delete(v.name));
      this.deleting.set(v.name, p);
      this.complete.delete(v.name);
      try {
        await p;
        deleted.push(v.name);
        this.opts.logger.info({ volume: v.name, pool: this.poolName, host: this.opts.host }, 'media: volume removed');
      } catch (err) {
        this.opts.logger.warn({ err, volume: v.name, pool: this.poolName }, 'media: could not remove a volume');
      }
    }
    return deleted;
  }

  // --- internals -------------------------------------------------------------------------------

  private watch(volume: string, fn: (p: MediaUploadProgress) => void): () => void {
    let set = this.watchers.get(volume);
    if (!set) this.watchers.set(volume, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.watchers.get(volume) === set) this.watchers.delete(volume);
    };
  }

  private tell(volume: string, done: number, total: number): void {
    for (const fn of this.watchers.get(volume) ?? []) {
      try {
        fn({ host: this.opts.host, done, total });
      } catch (err) {
        this.opts.logger.debug({ err, volume }, 'media: an upload progress listener failed');
      }
    }
  }

  private pin(volume: string): void {
    this.pins.set(volume, (this.pins.get(volume) ?? 0) + 1);
  }

  private unpin(volume: string): void {
    const n = (this.pins.get(volume) ?? 1) - 1;
    if (n <= 0) this.pins.delete(volume);
    else this.pins.set(volume, n);
  }

  /** sha256 of a local file, remembered while its size and mtime stay the same. */
  private async hash(path: string): Promise<{ sha256: string; size: number }> {
    const st = await stat(path);
    const known = this.hashes.get(path);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return { sha256: known.sha256, size: st.size };
    const h = createHash('sha256');
    await pipeline(createReadStream(path), h);
    const sha256 = h.digest('hex');
    this.hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
    return { sha256, size: st.size };
  }

  private async ensure(volume: string, localPath: string, size: number, image: string): Promise<string> {
    try {
      await this.ensurePool();
      const found = await this.volumeInfo(volume);
      if (found && found.capacity === size && (this.complete.has(volume) || this.opts.inUse()?.has(found.path))) {
        return found.path;
      }
      // a volume of an upload that never finished (or of other bytes): start again
      if (found) await this.objects.deleteVolume(this.poolName, volume);
      await this.opts.virsh.run(['vol-create-as', this.poolName, volume, String(size), '--format', 'raw']);
      await this.upload(volume, localPath, size);
      this.complete.add(volume);
      return (await this.opts.virsh.run(['vol-path', '--pool', this.poolName, volume])).trim();
    } catch (err) {
      this.pool = undefined;
      if (isBmcEmuError(err, ErrorCode.DriverUnavailable) && !/vol-upload/.test(err.message)) throw err;
      const msg = (err as Error).message.replace(/^virsh \S+ failed: /, '');
      throw errors.media(
        `Could not copy ${image} into storage pool ${this.poolName} on ${this.opts.host}: ${msg}`,
        { host: this.opts.host, pool: this.poolName, volume },
        err,
      );
    }
  }

  /** The pool, created as a `dir` pool when missing and started when inactive. */
  private ensurePool(): Promise<void> {
    this.pool ??= (async () => {
      const { pool, poolPath } = this.opts.placement;
      let info: string;
      try {
        info = await this.opts.virsh.run(['pool-info', pool]);
      } catch (err) {
        if (!NOT_FOUND.test((err as Error).message)) throw err;
        this.opts.logger.info({ pool, path: poolPath, host: this.opts.host }, 'media: creating the storage pool');
        await this.objects.createDirPool(pool, poolPath);
        return;
      }
      if (/^State:\s+running/m.test(info)) return;
      try {
        await this.objects.startPool(pool);
      } catch (err) {
        // a dir pool whose directory is gone (a tmpfs, a cleaned host) is made again; other pool types are
        // never built (pool-build formats a disk pool)
        const xml = await this.opts.virsh.run(['pool-dumpxml', pool]);
        if (!/<pool[^>]*type=['"]dir['"]/.test(xml)) throw err;
        await this.opts.virsh.run(['pool-build', pool]);
        await this.objects.startPool(pool);
      }
    })();
    return this.pool;
  }

  private async volumeInfo(volume: string): Promise<{ path: string; capacity: number } | undefined> {
    let out: string[];
    try {
      out = await Promise.all([
        this.opts.virsh.run(['vol-path', '--pool', this.poolName, volume]),
        this.opts.virsh.run(['vol-info', '--bytes', '--pool', this.poolName, volume]),
      ]);
    } catch (err) {
      if (NOT_FOUND.test((err as Error).message)) return undefined;
      throw err;
    }
    return { path: out[0]!.trim(), capacity: Number(/Capacity:\s+(\d+)/.exec(out[1]!)?.[1] ?? -1) };
  }

  private async upload(volume: string, localPath: string, size: number): Promise<void> {
    const perSec = this.opts.minUploadBytesPerSec ?? 1024 * 1024;
    const timeoutMs = 20_000 + Math.ceil((size / perSec) * 1000);
    const started = Date.now();
    const log = this.opts.logger;
    const where = { volume, pool: this.poolName, host: this.opts.host, bytes: size };
    log.info(where, 'media: uploading an image to the hypervisor');
    this.tell(volume, 0, size);
    // progress: how far virsh has read the image (its file offset); the volume's allocation is no measure,
    // vol-create-as allocated all of it
    const logEvery = this.opts.progressLogIntervalMs ?? 5_000;
    let logged = started;
    let pid: number | undefined;
    let finished = false;
    const timer = setInterval(() => {
      if (pid === undefined) return;
      void readPosition(pid, localPath).then((pos) => {
        if (finished || pos === undefined) return;
        const done = Math.min(size, pos);
        this.tell(volume, done, size);
        if (Date.now() - logged < logEvery) return;
        logged = Date.now();
        log.info({ ...where, done, percent: size ? Math.floor((done / size) * 100) : 100 }, 'media: uploading');
      });
    }, this.opts.progressIntervalMs ?? 1_000);
    timer.unref();
    this.uploads++;
    try {
      await this.opts.virsh.run(
        ['vol-upload', '--pool', this.poolName, volume, localPath],
        undefined,
        timeoutMs,
        (p) => (pid = p),
      );
    } catch (err) {
      await this.objects.deleteVolume(this.poolName, volume).catch(() => undefined);
      throw err;
    } finally {
      finished = true;
      clearInterval(timer);
    }
    this.tell(volume, size, size);
    log.info({ ...where, ms: Date.now() - started }, 'media: uploaded');
  }
}
