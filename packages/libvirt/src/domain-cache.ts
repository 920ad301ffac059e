import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type BmcEmuError, errors, isBmcEmuError, type Logger } from '@bmc-emu/core';
import { type DomainFacts, domainFacts } from './domain-facts.js';
import type { Virsh } from './virsh.js';
import { parseDomainXml, type XmlEl } from './xml.js';

/** One domain as last read: facts from the live XML and from the persistent (inactive) XML. */
export interface DomainEntry {
  live: DomainFacts;
  inactive: DomainFacts;
  inactiveDom: XmlEl;
  readAt: number;
}

export interface CacheListener {
  updated(uri: string, uuid: string, prev: DomainEntry | undefined, next: DomainEntry | undefined): void;
  /** The connection went down or came back. */
  availability(uri: string, up: boolean, reason?: string): void;
}

export interface DomainCacheOptions {
  virsh: Virsh;
  pollIntervalMs: number;
  logger: Logger;
  listener: CacheListener;
  /** Follow `virsh event --loop --all` (default true; the test:/// driver has no shared state to watch). */
  events?: boolean;
}

/** Parse `domblkinfo DOM --all` (Target Capacity Allocation Physical) into bytes per target. */
export function parseBlkInfo(out: string | undefined): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const line of (out ?? '').split('\n')) {
    const [target, capacity] = line.trim().split(/\s+/);
    if (target && capacity && /^\d+$/.test(capacity)) sizes[target] = Number(capacity);
  }
  return sizes;
}

/**
 * The read side of one libvirt URI: a cache of every domain, refreshed by libvirt events (a
 * `virsh event --loop --all` child) and by polling, with all reads of a refresh batched into one virsh
 * process. Concurrent readers share one refresh. A failed refresh marks the URI down (readers get
 * BMCEMU_DRIVER_UNAVAILABLE) until a later poll succeeds.
 */
export class DomainCache {
  readonly uri: string;
  private readonly virsh: Virsh;
  private readonly opts: DomainCacheOptions;
  private readonly entries = new Map<string, DomainEntry>();
  private loaded = false;
  private downReason: string | undefined;
  private inflightAll: Promise<void> | undefined;
  private readonly inflightOne = new Map<string, Promise<void>>();
  /** A read of the domain that has been asked for but not started yet (later callers share it). */
  private readonly queuedOne = new Map<string, Promise<void>>();
  /** Reads are numbered when they start; an older read never overwrites a newer one. */
  private readSeq = 0;
  private readonly storedSeq = new Map<string, number>();
  private readonly dirtyNames = new Set<string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private eventDebounce: NodeJS.Timeout | undefined;
  private watcher: ChildProcess | undefined;
  private closed = false;

  constructor(opts: DomainCacheOptions) {
    this.opts = opts;
    this.virsh = opts.virsh;
    this.uri = opts.virsh.uri;
  }

  get up(): boolean {
    return this.loaded && this.downReason === undefined;
  }

  start(): void {
    this.schedulePoll();
    if (this.opts.events ?? true) this.startWatcher();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.eventDebounce);
    const w = this.watcher;
    this.watcher = undefined;
    if (w && w.exitCode === null) {
      const gone = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 1_000))]);
    }
    await Promise.allSettled([this.inflightAll, ...this.inflightOne.values(), ...this.queuedOne.values()]);
  }

  /** All entries; loads on first use, throws BMCEMU_DRIVER_UNAVAILABLE while the URI is down. */
  async all(): Promise<DomainEntry[]> {
    if (!this.loaded || this.downReason !== undefined) await this.refreshAll();
    this.assertUp();
    return [...this.entries.values()];
  }

  /** Find by UUID or name in the cache (no virsh call unless the cache is empty or down). */
  async find(id: string): Promise<DomainEntry | undefined> {
    const entries = await this.all();
    return entries.find((e) => e.live.uuid === id) ?? entries.find((e) => e.live.name === id);
  }

  /** What the cache holds now without reading libvirt; undefined before the first load or while down. */
  known(): DomainEntry[] | undefined {
    return this.loaded && this.downReason === undefined ? [...this.entries.values()] : undefined;
  }

  peek(uuid: string): DomainEntry | undefined {
    return this.entries.get(uuid);
  }

  assertUp(): void {
    if (this.downReason !== undefined) throw errors.driverUnavailable(`libvirt (${this.uri})`, this.downReason);
  }

  refreshAll(): Promise<void> {
    if (this.closed) return Promise.reject(errors.driverUnavailable(`libvirt (${this.uri})`, 'the driver was closed'));
    this.inflightAll ??= this.doRefreshAll().finally(() => {
      this.inflightAll = undefined;
    });
    return this.inflightAll;
  }

  /**
   * Re-read one domain (after a change); resolves when the cache holds state read AFTER this call.
   * A read already running may predate the change, so callers never join it: they share the next one.
   */
  refreshOne(uuid: string): Promise<void> {
    const queued = this.queuedOne.get(uuid);
    if (queued) return queued;
    const running = this.inflightOne.get(uuid) ?? Promise.resolve();
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.queuedOne.delete(uuid);
        const read = this.doRefreshOne(uuid);
        this.inflightOne.set(uuid, read);
        return read.finally(() => {
          if (this.inflightOne.get(uuid) === read) this.inflightOne.delete(uuid);
        });
      });
    this.queuedOne.set(uuid, next);
    return next;
  }

  private async doRefreshAll(): Promise<void> {
    const seq = ++this.readSeq;
    try {
      const list = await this.virsh.run(['list', '--all', '--uuid']);
      const uuids = list
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const read = await this.readDomains(uuids);
      for (const uuid of [...this.entries.keys()]) {
        if (!read.has(uuid)) this.store(uuid, undefined, seq);
      }
      for (const [uuid, entry] of read) this.store(uuid, entry, seq);
      this.loaded = true;
      this.markUp();
    } catch (err) {
      this.markDown(err);
      throw err;
    }
  }

  private async doRefreshOne(uuid: string): Promise<void> {
    const seq = ++this.readSeq;
    try {
      const read = await this.readDomains([uuid]);
      this.store(uuid, read.get(uuid), seq);
      this.markUp();
    } catch (err) {
      this.markDown(err);
      throw err;
    }
  }

  private async readDomains(uuids: string[]): Promise<Map<string, DomainEntry>> {
    // one virsh per 150 domains keeps the script argument far below Linux's 128 KiB per-argument limit
    const chunks: string[][] = [];
    for (let i = 0; i < uuids.length; i += 150) chunks.push(uuids.slice(i, i + 150));
    const reads = (c: string[]) =>
      this.virsh.batch(
        c.flatMap((u) => [
          ['dumpxml', u],
          ['dumpxml', '--inactive', u],
          ['domblkinfo', u, '--all'],
        ]),
      );
    const out = (await Promise.all(chunks.map(reads))).flat();
    const result = new Map<string, DomainEntry>();
    for (let i = 0; i < uuids.length; i++) {
      const liveXml = out[i * 3];
      const inactiveXml = out[i * 3 + 1];
      if (!liveXml || !inactiveXml) continue;
      const sizes = parseBlkInfo(out[i * 3 + 2]);
      try {
        const inactiveDom = await parseDomainXml(inactiveXml);
        const live = domainFacts(await parseDomainXml(liveXml), sizes);
        result.set(live.uuid, { live, inactive: domainFacts(inactiveDom, sizes), inactiveDom, readAt: Date.now() });
      } catch (err) {
        // one unreadable domain must not hide the others
        this.opts.logger.warn({ err, uuid: uuids[i] }, 'skipping a domain whose XML could not be read');
      }
    }
    return result;
  }

  private store(uuid: string, next: DomainEntry | undefined, seq: number): void {
    if (seq < (this.storedSeq.get(uuid) ?? 0)) return;
    this.storedSeq.set(uuid, seq);
    const prev = this.entries.get(uuid);
    if (next) this.entries.set(uuid, next);
    else this.entries.delete(uuid);
    if (prev || next) this.opts.listener.updated(this.uri, uuid, prev, next);
  }

  private markUp(): void {
    if (this.downReason === undefined) return;
    this.downReason = undefined;
    this.opts.logger.info('libvirt is reachable again');
    this.opts.listener.availability(this.uri, true);
    if ((this.opts.events ?? true) && !this.watcher) this.startWatcher();
  }

  private markDown(err: unknown): void {
    if (!isBmcEmuError(err) || (err as BmcEmuError).code !== 'BMCEMU_DRIVER_UNAVAILABLE') return;
    const reason = String((err as BmcEmuError).details.reason ?? err.message);
    if (this.downReason === undefined) {
      // before the first load the caller gets the error itself; afterwards only the log says so
      if (this.loaded) this.opts.logger.warn({ reason }, 'libvirt is unreachable; retrying');
      this.downReason = reason;
      this.opts.listener.availability(this.uri, false, reason);
    }
  }

  /**
   * Poll at pollIntervalMs while no event stream is connected; with events flowing, polling is only a
   * safety net (10x slower, at most a minute). A dead daemon ends the event stream at once anyway.
   */
  private schedulePoll(): void {
    if (this.closed) return;
    const base = this.opts.pollIntervalMs;
    const interval = this.watcher ? Math.max(base, Math.min(base * 10, 60_000)) : base;
    this.pollTimer = setTimeout(() => {
      this.refreshAll()
        .catch(() => undefined)
        .finally(() => this.schedulePoll());
    }, interval);
    this.pollTimer.unref();
  }

  private startWatcher(): void {
    if (this.closed || this.watcher) return;
    const child = spawn('virsh', ['-q', '-c', this.uri, 'event', '--loop', '--all'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    this.watcher = child;
    child.on('error', () => undefined);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.onEventLine(line));
    child.stderr!.resume();
    child.on('exit', () => {
      if (this.watcher !== child) return;
      this.watcher = undefined;
      if (this.closed) return;
      // the daemon went away (or restarted): find out now rather than at the next poll
      this.refreshAll()
        .then(() => setTimeout(() => this.startWatcher(), 1_000).unref())
        .catch(() => undefined);
    });
  }

  private onEventLine(line: string): void {
    const m = /for domain '([^']+)'/.exec(line);
    if (!m) return;
    this.dirtyNames.add(m[1]!);
    clearTimeout(this.eventDebounce);
    this.eventDebounce = setTimeout(() => this.flushEvents(), 30);
  }

  private flushEvents(): void {
    const names = [...this.dirtyNames];
    this.dirtyNames.clear();
    const known = new Map([...this.entries.values()].map((e) => [e.live.name, e.live.uuid]));
    if (names.some((n) => !known.has(n))) {
      this.refreshAll().catch(() => undefined);
      return;
    }
    for (const n of names) this.refreshOne(known.get(n)!).catch(() => undefined);
  }
}
