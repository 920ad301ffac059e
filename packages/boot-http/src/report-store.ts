/**
 * Introspection reports by MAC: kept in memory, written to `<dir>/<mac>.json` (atomically), reloaded at start,
 * and capped on count and total bytes so a flood of POSTs cannot fill the disk (oldest report out first).
 */
import { readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, normalizeMac, writeFileAtomic } from '@bmc-emu/core';

export interface ReportStoreOptions {
  /** Folder of `<mac-with-dashes>.json`; in memory only when absent. */
  dir?: string;
  maxReports: number;
  maxBytes: number;
  logger: Logger;
}

interface Stored {
  body: string;
  bytes: number;
}

export class ReportStore {
  /** Map order is age order: the first entry is the oldest. */
  private readonly reports = new Map<string, Stored>();
  private bytes = 0;
  /** mtime (seconds) of the last report written: each later one gets a strictly later one. */
  private lastStamp = 0;

  constructor(private readonly opts: ReportStoreOptions) {}

  /** Reads the reports already on disk (oldest first by mtime), then applies the cap. */
  async load(): Promise<void> {
    const dir = this.opts.dir;
    if (!dir) return;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return; // no folder yet: nothing stored
    }
    const found: { mac: string; body: string; mtimeMs: number }[] = [];
    for (const name of names) {
      const m = /^([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.json$/.exec(name);
      if (!m?.[1]) continue;
      try {
        const path = join(dir, name);
        const [body, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
        JSON.parse(body);
        found.push({ mac: normalizeMac(m[1]), body, mtimeMs: st.mtimeMs });
      } catch (err) {
        this.opts.logger.warn({ err, file: name }, 'boot-http: unreadable introspection report skipped');
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    this.lastStamp = Math.max(this.lastStamp, (found.at(-1)?.mtimeMs ?? 0) / 1000);
    for (const f of found) this.remember(f.mac, f.body);
    await this.trim();
  }

  get(mac: string): unknown {
    const s = this.reports.get(normalizeMac(mac));
    return s === undefined ? undefined : JSON.parse(s.body);
  }

  get size(): number {
    return this.reports.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  async put(mac: string, body: string): Promise<void> {
    if (this.opts.dir) {
      await writeFileAtomic(this.file(mac), body);
      // the kernel stamps files at its clock tick (ms), so reports written in one tick would tie at reload:
      // a strictly increasing mtime keeps the age order across restarts
      this.lastStamp = Math.max(Date.now() / 1000, this.lastStamp + 0.001);
      await utimes(this.file(mac), this.lastStamp, this.lastStamp);
    }
    this.remember(mac, body);
    await this.trim(mac);
  }

  private remember(mac: string, body: string): void {
    this.forget(mac);
    const bytes = Buffer.byteLength(body);
    this.reports.set(mac, { body, bytes });
    this.bytes += bytes;
  }

  private forget(mac: string): void {
    const old = this.reports.get(mac);
    if (!old) return;
    this.reports.delete(mac);
    this.bytes -= old.bytes;
  }

  /** Drops the oldest reports until both limits hold; `keep` (the one just stored) goes last. */
  private async trim(keep?: string): Promise<void> {
    for (const mac of [...this.reports.keys()]) {
      if (this.reports.size <= this.opts.maxReports && this.bytes <= this.opts.maxBytes) break;
      if (mac === keep && this.reports.size === 1) break;
      this.forget(mac);
      if (this.opts.dir) await unlink(this.file(mac)).catch(() => undefined);
      this.opts.logger.info({ mac }, 'boot-http: oldest introspection report dropped (cap)');
    }
  }

  private file(mac: string): string {
    return join(this.opts.dir as string, `${mac.replaceAll(':', '-')}.json`);
  }
}
