/**
 * Stream bytes [start, end] of a file to an HTTP response, one MiB chunk per write, at most RING chunks in flight
 * per response. Chunks come from a process-wide bounded cache, so clients fetching the same image at once share
 * each read (Node has no sendfile; this is the copy we can avoid). Resolves when done or when the client goes away.
 */
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { CHUNK, ChunkCache, type ChunkLease } from './chunk-cache.js';

const RING = 3;
/** 64 MiB shared by every response: memory stays flat whatever the file sizes or client count. */
const cache = new ChunkCache(64);

export async function sendRange(
  res: ServerResponse,
  path: string,
  start: number,
  end: number,
  counter: { bytes: number },
): Promise<void> {
  const fh = await open(path, 'r');
  const inFlight: Promise<void>[] = [];
  const leases = new Set<ChunkLease>();
  let closed = false;
  let wake: () => void = () => undefined;
  // a write callback may never come once the client has gone: every wait also ends on 'close'
  const gone = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onClose = () => {
    closed = true;
    wake();
  };
  res.once('close', onClose);
  try {
    const st = await fh.stat();
    const id = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
    let pos = start;
    while (pos <= end && !closed) {
      if (inFlight.length >= RING) await Promise.race([inFlight.shift(), gone]); // the socket took those bytes
      if (closed) break;
      const index = Math.floor(pos / CHUNK);
      const lease = await cache.get(fh, id, index);
      leases.add(lease);
      const from = pos - index * CHUNK;
      const to = Math.min(lease.data.length, end - index * CHUNK + 1);
      if (to <= from || closed) {
        lease.release();
        leases.delete(lease);
        break; // file shrank under us: the client sees a short body and retries
      }
      const chunk = from === 0 && to === lease.data.length ? lease.data : lease.data.subarray(from, to);
      pos += chunk.length;
      counter.bytes += chunk.length;
      inFlight.push(
        new Promise<void>((resolve) => {
          res.write(chunk, () => {
            lease.release();
            leases.delete(lease);
            resolve();
          });
        }),
      );
    }
    if (!closed) {
      await Promise.race([Promise.all(inFlight), gone]);
      if (!closed) res.end();
    } else {
      res.destroy();
    }
  } finally {
    res.off('close', onClose);
    // a write that never completed (client gone) still holds its chunk: let the cache reuse it once the socket is gone
    if (leases.size > 0) {
      const left = [...leases];
      if (res.destroyed || closed) for (const l of left) l.release();
    }
    await fh.close();
  }
}
