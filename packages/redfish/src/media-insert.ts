/** InsertMedia: fetch the image once into the shared content-addressed cache, check it, attach it. */
import { open } from 'node:fs/promises';
import {
  type EventBus,
  errors,
  fetchPublished,
  type ImageCache,
  type MediaProgress,
  type MediaSlot,
  type MediaUploadProgress,
  type NodeDriver,
} from '@bmc-emu/core';
import type { Reply } from './route.js';
import { replyOrTask, type Task, type TaskStore } from './tasks.js';

export type { ImageCache };

const ISO_MAGIC_OFFSET = 32769;

export async function isIso9660(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(5);
    const { bytesRead } = await fh.read(buf, 0, 5, ISO_MAGIC_OFFSET);
    return bytesRead === 5 && buf.toString('latin1') === 'CD001';
  } finally {
    await fh.close();
  }
}

export function checkImageUrl(image: string): URL {
  let u: URL;
  try {
    u = new URL(image);
  } catch {
    throw errors.invalidArgument(`Image "${image.slice(0, 200)}" is not a URL; give an http:// or https:// URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw errors.invalidArgument(`Image URL scheme ${u.protocol} is not supported; use http:// or https://.`);
  }
  return u;
}

export class MediaInserter {
  /** Inserts still running per node: a Reset waits for them so the boot sees the media. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly driver: NodeDriver,
    private readonly cache: ImageCache | undefined,
    private readonly tasks: TaskStore,
    private readonly waitMs: number,
    /** Where the download's progress is published (`media-download` events naming the node). */
    private readonly bus?: EventBus,
  ) {}

  async insert(nodeId: string, slot: MediaSlot, image: string): Promise<Reply> {
    checkImageUrl(image);
    const cache = this.cache;
    if (!cache) throw errors.unsupported('Virtual media needs the image cache, which is not configured.');
    const node = await this.driver.get(nodeId);
    const m = node.media.find((x) => x.slot === slot);
    if (m?.inserted) {
      if (m.image === image) return { status: 204 };
      throw errors.conflict(`The ${slot} slot of ${node.name} holds ${m.image}; eject it first.`);
    }
    // the task (once the insert outlasts waitMs) shows in PercentComplete the download and, for a node on a
    // remote hypervisor, the copy to that host (half each)
    const uploads = (await this.driver.uploadsMedia?.(node.id).catch(() => false)) ?? false;
    const downloadShare = uploads ? 50 : 100;
    let task: Task | undefined;
    let percent = 0;
    let phase = 'Downloading';
    const advance = (to: number, now: string) => {
      percent = Math.max(percent, to);
      phase = now;
      if (task) this.tasks.setProgress(task, percent, phase);
    };
    const onProgress = (p: MediaProgress) => {
      if (p.total) advance((p.received / p.total) * downloadShare, 'Downloading');
    };
    const onUpload = (p: MediaUploadProgress) =>
      advance(downloadShare + (p.total ? p.done / p.total : 1) * (100 - downloadShare), `Uploading to ${p.host}`);
    const work = (async (): Promise<Reply> => {
      const got = await fetchPublished(cache, this.bus, image, { node: node.id, slot, onProgress });
      if (slot === 'Cd' && !(await isIso9660(got.path))) {
        throw errors.media(
          `${image} is not an ISO 9660 image (no CD001 signature at byte 32769); a raw disk image belongs in the UsbStick slot.`,
          { image },
        );
      }
      advance(downloadShare, uploads ? 'Uploading' : 'Attaching');
      await this.driver.insertMedia(nodeId, slot, { kind: 'path', path: got.path, image }, { onUpload });
      return { status: 204 };
    })();
    const tracked = work.catch(() => undefined);
    this.pending.set(node.id, tracked);
    void tracked.then(() => {
      if (this.pending.get(node.id) === tracked) this.pending.delete(node.id);
    });
    return replyOrTask(this.tasks, `InsertMedia ${slot} ${node.name}`, work, this.waitMs, (t) => {
      task = t;
      this.tasks.setProgress(t, percent, phase);
    });
  }

  /** Resolves when no insert is running for the node (bounded by `timeoutMs`). */
  async settled(nodeId: string, timeoutMs = 600_000): Promise<void> {
    const p = this.pending.get(nodeId);
    if (!p) return;
    await Promise.race([p, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  hasPending(nodeId: string): boolean {
    return this.pending.has(nodeId);
  }
}
