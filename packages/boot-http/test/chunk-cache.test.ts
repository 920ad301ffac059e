import { randomBytes } from 'node:crypto';
import { open, stat, utimes, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK, ChunkCache, type FileIdentity } from '../src/chunk-cache.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();

async function fileOf(bytes: Buffer): Promise<string> {
  const dir = await tempDir('bmcemu-chunks-');
  const p = join(dir, 'image.bin');
  await writeFile(p, bytes);
  return p;
}

/** Opens the file and counts the reads that reach it. */
async function counted(path: string): Promise<{ fh: FileHandle; id: FileIdentity; reads: () => number }> {
  const fh = await open(path, 'r');
  const st = await fh.stat();
  let n = 0;
  const read = fh.read.bind(fh) as (...a: unknown[]) => ReturnType<FileHandle['read']>;
  (fh as unknown as { read: (...a: unknown[]) => unknown }).read = (...a: unknown[]) => {
    n++;
    return read(...a);
  };
  return { fh, id: { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs }, reads: () => n };
}

describe('ChunkCache', () => {
  it('serves exact bytes across chunk boundaries and shares one read between concurrent clients', async () => {
    const bytes = randomBytes(2 * CHUNK + 12345);
    const f = await counted(await fileOf(bytes));
    const cache = new ChunkCache(8);
    const leases = await Promise.all([0, 1, 2, 0, 1, 2, 0].map((i) => cache.get(f.fh, f.id, i)));
    expect(f.reads()).toBe(3);
    expect(Buffer.concat(leases.slice(0, 3).map((l) => l.data)).equals(bytes)).toBe(true);
    expect(leases[3]!.data.equals(leases[0]!.data)).toBe(true);
    expect((await cache.get(f.fh, f.id, 3)).data.length).toBe(0);
    for (const l of leases) l.release();
    await f.fh.close();
  });

  it('never serves stale bytes for a rewritten file', async () => {
    const path = await fileOf(Buffer.alloc(CHUNK, 1));
    const cache = new ChunkCache(8);
    const a = await counted(path);
    const first = await cache.get(a.fh, a.id, 0);
    expect(first.data[0]).toBe(1);
    first.release();
    await a.fh.close();
    await writeFile(path, Buffer.alloc(CHUNK, 2));
    const later = new Date(Date.now() + 5000);
    await utimes(path, later, later);
    const b = await counted(path);
    const second = await cache.get(b.fh, b.id, 0);
    expect(b.reads()).toBe(1);
    expect(second.data[0]).toBe(2);
    second.release();
    await b.fh.close();
  });

  it('serves a shrunk file short and does not keep the short chunk', async () => {
    const path = await fileOf(randomBytes(CHUNK));
    const f = await counted(path);
    const claimed = { ...f.id, size: CHUNK * 2 }; // identity taken before the file shrank
    const cache = new ChunkCache(8);
    const tail = await cache.get(f.fh, claimed, 1);
    expect(tail.data.length).toBe(0);
    tail.release();
    const st = await stat(path);
    expect(st.size).toBe(CHUNK);
    const shortId = { ...claimed, size: CHUNK + 100 };
    const l1 = await cache.get(f.fh, shortId, 1);
    expect(l1.data.length).toBe(0);
    l1.release();
    await f.fh.close();
  });

  it('re-reads after eviction and never recycles a buffer a client still holds', async () => {
    const bytes = randomBytes(6 * CHUNK);
    const f = await counted(await fileOf(bytes));
    const cache = new ChunkCache(2);
    const held = await cache.get(f.fh, f.id, 0);
    const copy = Buffer.from(held.data);
    for (let i = 1; i < 6; i++) (await cache.get(f.fh, f.id, i)).release();
    // chunk 0 was evicted while held: its buffer must still hold chunk 0's bytes
    expect(held.data.equals(copy)).toBe(true);
    held.release();
    const before = f.reads();
    const again = await cache.get(f.fh, f.id, 0);
    expect(f.reads()).toBe(before + 1);
    expect(again.data.equals(bytes.subarray(0, CHUNK))).toBe(true);
    again.release();
    await f.fh.close();
  });

  it('any interleaving of gets and releases yields the file bytes (fast-check)', async () => {
    const bytes = randomBytes(5 * CHUNK + 777);
    const f = await counted(await fileOf(bytes));
    const chunks = Math.ceil(bytes.length / CHUNK);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: chunks - 1 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
        async (max, ops) => {
          const cache = new ChunkCache(max);
          const open: Array<{ i: number; lease: Awaited<ReturnType<ChunkCache['get']>> }> = [];
          for (const [i, releaseOldest] of ops) {
            const lease = await cache.get(f.fh, f.id, i);
            open.push({ i, lease });
            if (releaseOldest && open.length > 1) open.shift()!.lease.release();
            for (const o of open) {
              expect(o.lease.data.equals(bytes.subarray(o.i * CHUNK, (o.i + 1) * CHUNK))).toBe(true);
            }
          }
          for (const o of open) o.lease.release();
        },
      ),
      { numRuns: 60 },
    );
    await f.fh.close();
  });
});
