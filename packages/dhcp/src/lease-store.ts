import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@bmc-emu/core';

export type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

export interface Lease {
  /** "52:54:00:aa:bb:01"; "-" for a declined address nobody holds. */
  mac: string;
  ip: string;
  state: LeaseState;
  /** Epoch milliseconds. */
  expiresAt: number;
  hostname?: string;
}

const HEADER = [
  '# bmc-emu DHCP leases, format 1. One lease per line, fields separated by spaces:',
  '#   <state> <mac> <ip> <expires, ISO-8601 UTC> <hostname or ->',
  '# state: bound (in use), released (client gave it back; kept so it gets the same address again),',
  '#        declined (client saw the address in use; mac is "-"). Offers are not written.',
  '# The file is replaced atomically (write temp, fsync, rename); edit it only while the server is stopped.',
];

/**
 * Leases in memory, indexed by MAC and IP, persisted to a text file. `commit()` resolves once a write that
 * includes every change made before the call is on disk (group commit: one fsync serves many ACKs).
 */
export class LeaseStore {
  private readonly byMac = new Map<string, Lease>();
  private readonly byIp = new Map<string, Lease>();
  private writing: Promise<void> | undefined;
  private pending: Promise<void> | undefined;
  private dirty = false;

  constructor(readonly file?: string) {}

  async load(): Promise<number> {
    if (!this.file) return 0;
    let body: string;
    try {
      body = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    for (const lease of parseLeaseFile(body)) this.put(lease);
    return this.byIp.size;
  }

  getByMac(mac: string): Lease | undefined {
    return this.byMac.get(mac);
  }

  getByIp(ip: string): Lease | undefined {
    return this.byIp.get(ip);
  }

  all(): Lease[] {
    return [...this.byIp.values()];
  }

  put(lease: Lease): void {
    const oldByMac = lease.mac === '-' ? undefined : this.byMac.get(lease.mac);
    if (oldByMac && oldByMac.ip !== lease.ip) this.byIp.delete(oldByMac.ip);
    const oldByIp = this.byIp.get(lease.ip);
    if (oldByIp && oldByIp.mac !== lease.mac && this.byMac.get(oldByIp.mac) === oldByIp) this.byMac.delete(oldByIp.mac);
    this.byIp.set(lease.ip, lease);
    if (lease.mac !== '-') this.byMac.set(lease.mac, lease);
    if (lease.state !== 'offered') this.dirty = true;
  }

  remove(lease: Lease): void {
    if (this.byIp.get(lease.ip) === lease) this.byIp.delete(lease.ip);
    if (this.byMac.get(lease.mac) === lease) this.byMac.delete(lease.mac);
    if (lease.state !== 'offered') this.dirty = true;
  }

  /** Mark the store changed (after mutating a lease in place). */
  touch(): void {
    this.dirty = true;
  }

  async commit(): Promise<void> {
    if (!this.file) return;
    if (!this.dirty && !this.writing) return;
    if (!this.writing) {
      this.writing = this.writeNow();
      return this.writing;
    }
    // a write is running: the changes made since it began go in the next one
    this.pending ??= this.writing.then(() => {
      this.pending = undefined;
      this.writing = this.writeNow();
      return this.writing;
    });
    return this.pending;
  }

  private async writeNow(): Promise<void> {
    this.dirty = false;
    const body = formatLeaseFile(this.all());
    try {
      await writeFileAtomic(this.file!, body);
    } finally {
      this.writing = undefined;
    }
  }
}

export function formatLeaseFile(leases: readonly Lease[]): string {
  const lines = leases
    .filter((l) => l.state !== 'offered')
    .sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }))
    .map((l) => `${l.state} ${l.mac} ${l.ip} ${new Date(l.expiresAt).toISOString()} ${l.hostname || '-'}`);
  return `${[...HEADER, ...lines].join('\n')}\n`;
}

const STATES = new Set<LeaseState>(['bound', 'released', 'declined']);

/** Lines that do not parse are skipped, so one bad hand edit does not lose the rest. */
export function parseLeaseFile(body: string): Lease[] {
  const out: Lease[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [state, mac, ip, expires, hostname] = line.split(/\s+/);
    const expiresAt = Date.parse(expires ?? '');
    if (!STATES.has(state as LeaseState) || !mac || !ip || Number.isNaN(expiresAt)) continue;
    out.push({
      state: state as LeaseState,
      mac,
      ip,
      expiresAt,
      ...(hostname && hostname !== '-' ? { hostname } : {}),
    });
  }
  return out;
}
