import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { clearedEntry, type NewSelEntry, type SelEntry } from './entry.js';

export interface SelStoreOptions {
  /** Directory for one JSON file per node; unset keeps the log in memory only. */
  dir?: string;
  /** Oldest entries go out beyond this many (default 1,000). */
  maxEntries?: number;
  /** Wall clock in ms (tests pass a fixed one). */
  now?: () => number;
  onError?: (err: unknown, nodeId: string) => void;
}

interface NodeLog {
  entries: SelEntry[];
  nextId: number;
  /** Set SEL Time moves the SEL clock: seconds added to the wall clock. */
  clockOffset: number;
  /** Seconds-since-1970 of the last add and the last clear (Get SEL Info). */
  lastAdd: number;
  lastErase: number;
}

const MAX_ID = 0xfffe;

/** Every node's System Event Log: bounded, persisted atomically, one file per node. */
export class SelStore {
  private readonly logs = new Map<string, NodeLog>();
  private readonly listeners = new Set<(nodeId: string, entry: SelEntry) => void>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: SelStoreOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  private file(nodeId: string): string | undefined {
    return this.opts.dir ? join(this.opts.dir, `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`) : undefined;
  }

  /** Read a node's persisted log (once); a missing or unreadable file starts an empty log. */
  async load(nodeId: string): Promise<void> {
    if (this.logs.has(nodeId)) return;
    const log: NodeLog = { entries: [], nextId: 1, clockOffset: 0, lastAdd: 0, lastErase: 0 };
    const file = this.file(nodeId);
    if (file) {
      try {
        const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<NodeLog>;
        if (Array.isArray(saved.entries)) log.entries = saved.entries.slice(-this.maxEntries);
        if (typeof saved.nextId === 'number') log.nextId = saved.nextId;
        if (typeof saved.clockOffset === 'number') log.clockOffset = saved.clockOffset;
        if (typeof saved.lastAdd === 'number') log.lastAdd = saved.lastAdd;
        if (typeof saved.lastErase === 'number') log.lastErase = saved.lastErase;
      } catch {
        // no log yet (or a damaged one): start empty
      }
    }
    if (!this.logs.has(nodeId)) this.logs.set(nodeId, log);
  }

  private log(nodeId: string): NodeLog {
    let log = this.logs.get(nodeId);
    if (!log) {
      log = { entries: [], nextId: 1, clockOffset: 0, lastAdd: 0, lastErase: 0 };
      this.logs.set(nodeId, log);
    }
    return log;
  }

  /** The SEL clock of a node, in seconds since 1970. */
  time(nodeId: string): number {
    return Math.floor(this.now() / 1000) + this.log(nodeId).clockOffset;
  }

  setTime(nodeId: string, seconds: number): void {
    const log = this.log(nodeId);
    log.clockOffset = seconds - Math.floor(this.now() / 1000);
    this.save(nodeId);
  }

  entries(nodeId: string): SelEntry[] {
    return [...this.log(nodeId).entries];
  }

  info(nodeId: string): { count: number; lastAdd: number; lastErase: number; max: number } {
    const log = this.log(nodeId);
    return { count: log.entries.length, lastAdd: log.lastAdd, lastErase: log.lastErase, max: this.maxEntries };
  }

  add(nodeId: string, entry: NewSelEntry): SelEntry {
    const log = this.log(nodeId);
    const id = log.nextId;
    log.nextId = id >= MAX_ID ? 1 : id + 1;
    const full: SelEntry = { ...entry, id, timestamp: entry.timestamp ?? this.time(nodeId) };
    log.entries.push(full);
    if (log.entries.length > this.maxEntries) log.entries.splice(0, log.entries.length - this.maxEntries);
    log.lastAdd = full.timestamp;
    this.save(nodeId);
    for (const l of this.listeners) l(nodeId, full);
    return full;
  }

  /** Empty the log; like a real BMC, the clear itself is the first new entry. */
  clear(nodeId: string, actor?: string): SelEntry {
    const log = this.log(nodeId);
    log.entries = [];
    log.lastErase = this.time(nodeId);
    return this.add(nodeId, clearedEntry(actor));
  }

  /** Forget a removed node's log in memory (its file stays, as a real BMC's log outlives the host). */
  forget(nodeId: string): void {
    this.logs.delete(nodeId);
  }

  onEntry(listener: (nodeId: string, entry: SelEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every change so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  private save(nodeId: string): void {
    const file = this.file(nodeId);
    if (!file || this.dirty.has(nodeId)) return;
    this.dirty.add(nodeId);
    const prev = this.writes.get(nodeId) ?? Promise.resolve();
    // One write per burst of changes: the snapshot is taken when the write starts.
    const next = prev.then(async () => {
      this.dirty.delete(nodeId);
      const log = this.logs.get(nodeId);
      if (!log) return;
      try {
        await writeFileAtomic(file, JSON.stringify(log));
      } catch (err) {
        this.opts.onError?.(err, nodeId);
      }
    });
    this.writes.set(nodeId, next);
  }
}
