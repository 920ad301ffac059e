/**
 * Stream bytes [start, end] of a file to an HTTP response with a small ring of reused buffers: one read and one
 * write per MiB, no per-chunk allocation, at most RING MiB in flight per response. Node has no sendfile, so this
 * keeps the copy count at the minimum the event loop allows. Resolves when done or when the client goes away.
 */
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const CHUNK = 1024 * 1024;
const RING = 3;

export async function sendRange(
  res: ServerResponse,
  path: string,
  start: number,
  end: number,
  counter: { bytes: number },
): Promise<void> {
  const fh = await open(path, 'r');
  const ring = Array.from({ length: RING }, () => ({ buf: Buffer.allocUnsafe(CHUNK), done: Promise.resolve() }));
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
    let pos = start;
    for (let i = 0; pos <= end && !closed; i = (i + 1) % RING) {
      const slot = ring[i] as (typeof ring)[number];
      await Promise.race([slot.done, gone]); // the socket has taken this buffer's previous bytes
      if (closed) break;
      const want = Math.min(CHUNK, end - pos + 1);
      const { bytesRead } = await fh.read(slot.buf, 0, want, pos);
      if (bytesRead === 0) break; // file shrank under us: the client sees a short body and retries
      pos += bytesRead;
      counter.bytes += bytesRead;
      const chunk = bytesRead === CHUNK ? slot.buf : slot.buf.subarray(0, bytesRead);
      slot.done = new Promise<void>((resolve) => {
        res.write(chunk, () => resolve());
      });
    }
    if (!closed) {
      await Promise.race([Promise.all(ring.map((s) => s.done)), gone]);
      if (!closed) res.end();
    } else {
      res.destroy();
    }
  } finally {
    res.off('close', onClose);
    await fh.close();
  }
}
