import { errors } from '../errors.js';
/** A fixed-capacity FIFO that overwrites its oldest entry when full. O(1) push, no allocation after start. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw errors.invalidArgument(`ring capacity must be >= 1, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  /** The newest `limit` entries that pass `keep`, oldest first, without copying the whole ring. */
  newest(limit: number, keep: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (let i = this.count - 1; i >= 0 && out.length < limit; i--) {
      const item = this.items[(this.start + i) % this.capacity] as T;
      if (keep(item)) out.push(item);
    }
    return out.reverse();
  }
}
