import { errors } from '../errors.js';
import { RingBuffer } from './ring-buffer.js';
import type { RackEvent, RackEventInput, RackEventKind } from './types.js';

const RESOLVED = Promise.resolve();

export interface EventBusOptions {
  /** Events kept per node (default 500). */
  perNode?: number;
  /** Events kept across all nodes (default 5,000). */
  global?: number;
}

export interface SubscribeOptions {
  filter?: (event: RackEvent) => boolean;
  /**
   * Events held for a subscriber that is paused or behind. One more and it is dropped (closed, counted,
   * `onDrop` called): a slow reader never holds memory or the publishers up.
   */
  maxQueue?: number;
  onDrop?: () => void;
}

/**
 * A handler that returns `false` is backed up (as `stream.write` says): the bus holds its events until
 * `resume()`, up to `maxQueue`.
 */
export type EventHandler = (event: RackEvent) => void | boolean;

export interface EventSubscription {
  readonly dropped: boolean;
  resume(): void;
  close(): void;
}

export interface HistoryQuery {
  node?: string;
  kinds?: readonly RackEventKind[];
  /** Only events with a larger seq (for a reconnecting reader). */
  afterSeq?: number;
  limit?: number;
}

export interface EventBusStats {
  published: number;
  byKind: Partial<Record<RackEventKind, number>>;
  subscribers: number;
  droppedSubscribers: number;
  handlerErrors: number;
}

interface Subscriber {
  handler: EventHandler;
  filter: ((event: RackEvent) => boolean) | undefined;
  maxQueue: number;
  onDrop: (() => void) | undefined;
  queue: RackEvent[];
  paused: boolean;
  closed: boolean;
  dropped: boolean;
}

/**
 * The one in-process event stream: front ends and drivers publish, logs/metrics/EventService/console
 * subscribe. Publishing is synchronous and O(subscribers); delivery happens once the publisher's
 * synchronous code has returned (a microtask, same turn), so no subscriber runs inside a protocol handler.
 */
export class EventBus {
  private seq = 0;
  private readonly global: RingBuffer<RackEvent>;
  private readonly perNodeCapacity: number;
  private readonly perNode = new Map<string, RingBuffer<RackEvent>>();
  // copied on (un)subscribe, so publish and drain walk a plain array that nothing changes under them
  private subs: readonly Subscriber[] = [];
  private taps: readonly ((event: RackEvent) => void)[] = [];
  private readonly byKind: Partial<Record<RackEventKind, number>> = {};
  private droppedSubscribers = 0;
  private handlerErrors = 0;
  private drainScheduled = false;
  private draining = false;
  private onHandlerError: ((err: unknown) => void) | undefined;

  constructor(opts: EventBusOptions = {}) {
    this.global = new RingBuffer(opts.global ?? 5_000);
    this.perNodeCapacity = opts.perNode ?? 500;
    if (!Number.isInteger(this.perNodeCapacity) || this.perNodeCapacity < 1) {
      throw errors.invalidArgument(`perNode must be >= 1, got ${this.perNodeCapacity}`);
    }
  }

  /** Where a throwing handler's error goes (default: counted only). */
  setHandlerErrorSink(sink: (err: unknown) => void): void {
    this.onHandlerError = sink;
  }

  /**
   * Stamps `input` with seq and time and keeps it: the object becomes the event (no copy on the protocol
   * path), so hand over a fresh one. An object already published (or frozen) is copied first.
   */
  publish(input: RackEventInput): RackEvent {
    const event = (
      (input as Partial<RackEvent>).seq === undefined && Object.isExtensible(input) ? input : Object.assign({}, input)
    ) as RackEvent;
    event.seq = ++this.seq;
    event.time = Date.now();
    this.global.push(event);
    const node = event.node;
    if (node !== undefined) {
      let ring = this.perNode.get(node);
      if (!ring) this.perNode.set(node, (ring = new RingBuffer(this.perNodeCapacity)));
      ring.push(event);
    }
    this.byKind[event.kind] = (this.byKind[event.kind] ?? 0) + 1;
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) {
      try {
        taps[i]!(event);
      } catch (err) {
        this.handlerError(err);
      }
    }
    const subs = this.subs;
    let queued = false;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      if (sub.closed) continue;
      if (sub.filter && !sub.filter(event)) continue;
      sub.queue.push(event);
      queued = true;
      if (sub.queue.length > sub.maxQueue) this.drop(sub);
    }
    // readers whose filter refused the event cost no delivery turn (serve's own readers filter most events out)
    if (queued) this.scheduleDrain();
    return event;
  }

  subscribe(handler: EventHandler, opts: SubscribeOptions = {}): EventSubscription {
    const sub: Subscriber = {
      handler,
      filter: opts.filter,
      maxQueue: opts.maxQueue ?? 1_000,
      onDrop: opts.onDrop,
      queue: [],
      paused: false,
      closed: false,
      dropped: false,
    };
    this.subs = [...this.subs, sub];
    return {
      get dropped() {
        return sub.dropped;
      },
      resume: () => {
        if (sub.closed || !sub.paused) return;
        sub.paused = false;
        this.scheduleDrain();
      },
      close: () => {
        sub.closed = true;
        sub.queue.length = 0;
        this.unsubscribe(sub);
      },
    };
  }

  /**
   * A counter's way in: `fn` is called inside `publish`, synchronously, for every event, with no queue and no
   * delivery turn (what a subscriber costs each protocol answer). Only for O(1) bookkeeping that cannot block
   * or fail (metrics counters); anything else subscribes. A throw is counted as a handler error.
   */
  tap(fn: (event: RackEvent) => void): { close(): void } {
    this.taps = [...this.taps, fn];
    return {
      close: () => {
        this.taps = this.taps.filter((t) => t !== fn);
      },
    };
  }

  /** Recent events, oldest first: from the node's ring when `node` is given, else the global ring. */
  history(q: HistoryQuery = {}): RackEvent[] {
    const ring = q.node === undefined ? this.global : this.perNode.get(q.node);
    if (!ring) return [];
    const kinds = q.kinds && new Set(q.kinds);
    const after = q.afterSeq ?? 0;
    return ring.newest(q.limit ?? ring.capacity, (e) => e.seq > after && (!kinds || kinds.has(e.kind)));
  }

  /** The seq of the newest event (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  stats(): EventBusStats {
    return {
      published: this.seq,
      byKind: { ...this.byKind },
      subscribers: this.subs.length,
      droppedSubscribers: this.droppedSubscribers,
      handlerErrors: this.handlerErrors,
    };
  }

  /** Forget a removed node's ring. */
  forgetNode(node: string): void {
    this.perNode.delete(node);
  }

  private unsubscribe(sub: Subscriber): void {
    this.subs = this.subs.filter((s) => s !== sub);
  }

  private drop(sub: Subscriber): void {
    sub.dropped = true;
    sub.closed = true;
    sub.queue.length = 0;
    this.unsubscribe(sub);
    this.droppedSubscribers++;
    try {
      sub.onDrop?.();
    } catch (err) {
      this.handlerError(err);
    }
  }

  /**
   * The first drain of a turn is a microtask: it runs once the publishing code's synchronous part is done,
   * in the same turn, without the native round trip a setImmediate costs on every protocol answer. Events a
   * handler publishes while the bus delivers wait for the next turn (setImmediate), so a handler that
   * publishes can never starve the event loop.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    if (this.draining) setImmediate(this.runDrain);
    // not queueMicrotask: Node wraps each of those in an AsyncResource, which cost ~0.5 µs per answer
    else void RESOLVED.then(this.runDrain);
  }

  private readonly runDrain = (): void => {
    this.drainScheduled = false;
    this.draining = true;
    try {
      this.drain();
    } catch (err) {
      // drain() catches what handlers throw; this is only so the promise above can never reject
      this.handlerError(err);
    } finally {
      this.draining = false;
    }
  };

  private drain(): void {
    let more = false;
    const subs = this.subs;
    for (let s = 0; s < subs.length; s++) {
      const sub = subs[s]!;
      if (sub.paused || sub.closed) continue;
      // Only what was queued before this drain: a handler that publishes must not loop forever here.
      const end = sub.queue.length;
      let i = 0;
      while (i < end && !sub.closed) {
        const event = sub.queue[i++]!;
        let ok: void | boolean = undefined;
        try {
          ok = sub.handler(event);
        } catch (err) {
          this.handlerError(err);
        }
        if (ok === false) {
          sub.paused = true;
          break;
        }
      }
      if (!sub.closed) {
        if (i === sub.queue.length) sub.queue.length = 0;
        else sub.queue.splice(0, i);
        if (!sub.paused && sub.queue.length > 0) more = true;
      }
    }
    if (more) this.scheduleDrain();
  }

  private handlerError(err: unknown): void {
    this.handlerErrors++;
    try {
      this.onHandlerError?.(err);
    } catch {
      // a failing error sink must not break delivery to the others
    }
  }
}
