/**
 * A small, bounded cache of file chunks shared by every response of the process. When many nodes fetch the same
 * image at once (a boot storm), each chunk is read from the file once and written to every socket that wants it,
 * instead of being copied from the page cache once per client. Keys carry the file's identity (dev, inode, size,
 * mtime), so a replaced or rewritten file never serves stale bytes. Chunks are immutable once read; an evicted
 * chunk's buffer is reused only after every write of it has completed.
 */
import type { FileHandle } from 'node:fs/promises';

export const CHUNK = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

interface Entry {
  key: string;
  /** Resolves to the chunk's bytes (shorter than CHUNK at the end of the file, or if the file shrank). */
  data: Promise<Buffer>;
  buf: Buffer;
  /** Writes in flight that still reference `buf`. */
  users: number;
  evicted: boolean;
}

export interface ChunkLease {
  data: Buffer;
  /** Call once the socket is done with `data` (write callback or response closed). */
  release(): void;
}

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export class ChunkCache {
  private readonly entries = new Map<string, Entry>();
  private readonly spare: Buffer[] = [];

  constructor(private readonly maxChunks: number) {}

  /** The chunk of `fh` starting at `index * CHUNK`, read once and shared while it stays cached. */
  async get(fh: FileHandle, id: FileIdentity, index: number): Promise<ChunkLease> {
    if (index * CHUNK >= id.size) return { data: EMPTY, release: () => undefined }; // past the end (file shrank)
    const key = `${id.dev}:${id.ino}:${id.size}:${id.mtimeMs}:${index}`;
    let e = this.entries.get(key);
    if (e) {
      this.entries.delete(key); // re-insert: Map order is the LRU order
      this.entries.set(key, e);
    } else {
      const buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
      const want = Math.min(CHUNK, id.size - index * CHUNK);
      const entry: Entry = { key, buf, users: 0, evicted: false, data: Promise.resolve(buf) };
      entry.data = fh.read(buf, 0, want, index * CHUNK).then(({ bytesRead }) => {
        // the file shrank under us: serve what is there, but do not keep it
        if (bytesRead < want) this.evict(entry);
        return buf.subarray(0, bytesRead);
      });
      entry.data.catch(() => this.evict(entry));
      e = entry;
      this.entries.set(key, e);
      this.trim();
    }
    const entry = e;
    entry.users++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      entry.users--;
      this.recycle(entry);
    };
    try {
      return { data: await entry.data, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  private trim(): void {
    for (const [, e] of this.entries) {
      if (this.entries.size <= this.maxChunks) break;
      this.evict(e);
    }
  }

  private evict(e: Entry): void {
    if (e.evicted) return;
    e.evicted = true;
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    this.recycle(e);
  }

  private recycle(e: Entry): void {
    if (!e.evicted || e.users > 0) return;
    e.users = -1; // recycled once only
    // a failed or pending read must not hand its buffer out again: only settled, successful entries recycle
    e.data.then(
      () => {
        if (this.spare.length < 8) this.spare.push(e.buf);
      },
      () => undefined,
    );
  }
}
