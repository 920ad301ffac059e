import { readFile } from 'node:fs/promises';
import { type Logger, StateFile } from '@bmc-emu/core';

export interface Slot {
  address: string;
  port: number;
}

export const slotKey = (s: Slot): string => `${s.address}:${s.port}`;

/**
 * Which node got which address/port, kept in a JSON file so a BMC keeps its port across restarts even
 * when nodes are added or removed ahead of it in the driver's list (Ironic's driver_info names the port).
 */
export class PortMap {
  private slots = new Map<string, Slot>();
  private readonly state: StateFile | undefined;

  /** `base` names the addressing in force (e.g. `127.0.0.1:6230`); a file written under another base is ignored. */
  constructor(
    private readonly file: string | undefined,
    private readonly base = '',
    logger?: Logger,
  ) {
    this.state = file ? new StateFile({ path: file, what: 'IPMI port map', ...(logger ? { logger } : {}) }) : undefined;
  }

  async load(): Promise<void> {
    if (!this.file) return;
    try {
      const saved = JSON.parse(await readFile(this.file, 'utf8')) as { base?: string; slots?: Record<string, Slot> };
      if (saved.base !== this.base) return;
      for (const [id, s] of Object.entries(saved.slots ?? {})) {
        if (typeof s?.address === 'string' && Number.isInteger(s?.port))
          this.slots.set(id, { address: s.address, port: s.port });
      }
    } catch {
      // no file yet, or unreadable: start from list order
    }
  }

  get(nodeId: string): Slot | undefined {
    return this.slots.get(nodeId);
  }

  /** Slots remembered for the given nodes (other than `except`). */
  reservedFor(nodeIds: Iterable<string>, except: string): Set<string> {
    const out = new Set<string>();
    for (const id of nodeIds) {
      const s = id === except ? undefined : this.slots.get(id);
      if (s) out.add(slotKey(s));
    }
    return out;
  }

  set(nodeId: string, slot: Slot): void {
    this.slots.set(nodeId, slot);
    this.save();
  }

  delete(nodeId: string): void {
    if (this.slots.delete(nodeId)) this.save();
  }

  /** Resolves when every change so far is on disk (or its write failed and was logged). */
  async flush(): Promise<void> {
    await this.state?.flush();
  }

  private save(): void {
    this.state?.save(() => `${JSON.stringify({ base: this.base, slots: Object.fromEntries(this.slots) }, null, 2)}\n`);
  }
}
