/**
 * Cuts a Readable into TFTP blocks of exactly `blksize` bytes (the last one shorter, possibly empty),
 * synchronously when data is buffered, so a lock-step sender can answer an ACK without waiting.
 * Only the stream's own buffer (its highWaterMark) is held: memory stays flat whatever the file size.
 */
import type { Readable } from 'node:stream';

export class BlockReader {
  private ended = false;
  private failed: Error | undefined;
  private finished = false;
  private waiter: (() => void) | undefined;

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

  /** The read error, if the stream failed. */
  get error(): Error | undefined {
    return this.failed;
  }

  /** True once the final (short) block has been handed out. */
  get done(): boolean {
    return this.finished;
  }

  /** The next block, or null when none is buffered yet (call wait()). Throws the stream's error. */
  take(): Buffer | null {
    if (this.failed) throw this.failed;
    if (this.finished) return null;
    const chunk = this.stream.read(this.blksize) as Buffer | null;
    if (chunk !== null) {
      if (chunk.length < this.blksize) this.finished = true;
      return chunk;
    }
    if (this.ended) {
      this.finished = true;
      return Buffer.alloc(0);
    }
    return null;
  }

  /** Call `fn` once when more data, the end, or an error arrives. */
  wait(fn: () => void): void {
    this.waiter = fn;
    // 'readable' may already have fired with data we have not read: check on the next tick
    if (this.stream.readableLength >= this.blksize || this.ended || this.failed) queueMicrotask(() => this.wake());
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
