/**
 * Cuts a Readable into TFTP blocks of exactly `blksize` bytes (the last one shorter, possibly empty),
 * synchronously when data is buffered, so a lock-step sender can answer an ACK without waiting.
 * Blocks are views into the stream's chunks (no copy, except a block that straddles two chunks);
 * only the stream's own buffer (its highWaterMark) is held, so memory stays flat whatever the file size.
 */
import type { Readable } from 'node:stream';

const EMPTY = Buffer.alloc(0);

export class BlockReader {
  private ended = false;
  private failed: Error | undefined;
  private finished = false;
  private waiter: (() => void) | undefined;
  private chunk: Buffer = EMPTY;
  private off = 0;

  constructor(
    private readonly stream: Readable,
    private readonly blksize: number,
  ) {
    stream.pause();
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', (err) => {
      this.failed = err;
      this.wake();
    });
    stream.on('readable', () => this.wake());
  }

  /** True once the final (short) block has been handed out. */
  get done(): boolean {
    return this.finished;
  }

  /** The next block, or null when none is buffered yet (call wait()). Throws the stream's error. */
  take(): Buffer | null {
    if (this.failed) throw this.failed;
    if (this.finished) return null;
    const n = this.blksize;
    const have = this.chunk.length - this.off;
    if (have >= n) {
      this.off += n;
      return this.chunk.subarray(this.off - n, this.off);
    }
    const next = this.stream.read() as Buffer | null;
    if (next !== null) {
      if (have === 0) {
        this.chunk = next;
        this.off = 0;
        return this.take();
      }
      // a block straddling two chunks: copy just this block
      const need = Math.min(n - have, next.length);
      const block = Buffer.concat([this.chunk.subarray(this.off), next.subarray(0, need)]);
      this.chunk = next;
      this.off = need;
      if (block.length === n) return block;
      this.chunk = block; // still short: keep collecting
      this.off = 0;
      return this.take();
    }
    if (this.ended) {
      this.finished = true;
      const last = this.chunk.subarray(this.off);
      this.chunk = EMPTY;
      this.off = 0;
      return last;
    }
    return null;
  }

  /** Call `fn` once when more data, the end, or an error arrives. */
  wait(fn: () => void): void {
    this.waiter = fn;
    // the stream may already hold data or have ended without a new event coming: check on the next tick
    if (this.stream.readableLength > 0 || this.ended || this.failed) queueMicrotask(() => this.wake());
  }

  close(): void {
    this.waiter = undefined;
    this.stream.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
