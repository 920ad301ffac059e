import { type FileHandle, open, readFile } from 'node:fs/promises';
import { ipv4ToInt, writeFileAtomic } from '@bmc-emu/core';

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
  '#        declined (client saw the address in use; mac is "-"), free (forget this address).',
  '# Offers are not written. Later lines override earlier ones for the same ip or mac: changes are',
  '# appended (and fsynced before the client gets its ACK), and the file is rewritten compactly through',
  '# a temp file + rename at start-up and whenever the appended history outgrows the live leases.',
  '# Edit it only while the server is stopped.',
];

/** Rewrite the file once the appended lines exceed this many and twice the live leases. */
const COMPACT_MIN_LINES = 4096;

type Change = { lease: Lease; freed: boolean };

/**
 * Leases in memory, indexed by MAC and IP, persisted to a text file. `commit()` resolves once a write that
 * includes every change made before the call is on disk (group commit: one fsync serves many ACKs).
 */
export class LeaseStore {
  private readonly byMac = new Map<string, Lease>();
  private readonly byIp = new Map<string, Lease>();
  private pendingChanges: Change[] = [];
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private journal: FileHandle | undefined;
  private journalLines = 0;
  private compactNext = true;
  /** Bumped on every change in memory, so readers (DNS names) know when to look again. */
  version = 0;

  constructor(readonly file?: string) {}

  async load(): Promise<number> {
    if (!this.file) return 0;
    let body = '';
    try {
      body = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const { lease, freed } of parseLeaseLines(body)) {
      if (freed) this.forgetIp(lease.ip);
      else this.put(lease);
    }
    this.pendingChanges = [];
    this.compactNext = true;
    await this.commit();
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
    if (oldByMac && oldByMac.ip !== lease.ip && this.byIp.get(oldByMac.ip) === oldByMac) this.byIp.delete(oldByMac.ip);
    const oldByIp = this.byIp.get(lease.ip);
    if (oldByIp && oldByIp.mac !== lease.mac && this.byMac.get(oldByIp.mac) === oldByIp) this.byMac.delete(oldByIp.mac);
    this.byIp.set(lease.ip, lease);
    if (lease.mac !== '-') this.byMac.set(lease.mac, lease);
    this.version++;
    if (lease.state !== 'offered') this.pendingChanges.push({ lease: { ...lease }, freed: false });
  }

  remove(lease: Lease): void {
    if (this.byIp.get(lease.ip) === lease) this.byIp.delete(lease.ip);
    if (this.byMac.get(lease.mac) === lease) this.byMac.delete(lease.mac);
    this.version++;
    if (lease.state !== 'offered') this.pendingChanges.push({ lease: { ...lease }, freed: true });
  }

  /** Drop whatever holds `ip` (replaying a `free` line). */
  forgetIp(ip: string): void {
    const l = this.byIp.get(ip);
    if (l) this.remove(l);
  }

  /** Record a lease changed in place (state, expiry). */
  touch(lease: Lease): void {
    this.version++;
    this.pendingChanges.push({ lease: { ...lease }, freed: false });
  }

  async close(): Promise<void> {
    await this.commit();
    await this.journal?.close();
    this.journal = undefined;
  }

  commit(): Promise<void> {
    if (!this.file) return Promise.resolve();
    if (!this.writing) {
      if (this.pendingChanges.length === 0 && !this.compactNext) return Promise.resolve();
      this.writing = this.writeNow().finally(() => {
        this.writing = undefined;
      });
      return this.writing;
    }
    // a write is running: the changes made since it began go in the next one
    this.queued ??= this.writing.then(() => {
      this.queued = undefined;
      return this.commit();
    });
    return this.queued;
  }

  private async writeNow(): Promise<void> {
    const changes = this.pendingChanges;
    this.pendingChanges = [];
    const compact =
      this.compactNext || (this.journalLines > COMPACT_MIN_LINES && this.journalLines > 2 * this.byIp.size);
    if (compact) {
      this.compactNext = false;
      await this.journal?.close();
      this.journal = undefined;
      const live = this.all().filter((l) => l.state !== 'offered');
      await writeFileAtomic(this.file!, formatLeaseFile(live));
      this.journalLines = live.length;
      return;
    }
    this.journal ??= await open(this.file!, 'a');
    await this.journal.appendFile(changes.map((c) => leaseLine(c.lease, c.freed)).join(''));
    await this.journal.datasync();
    this.journalLines += changes.length;
  }
}

function leaseLine(l: Lease, freed = false): string {
  return `${freed ? 'free' : l.state} ${l.mac} ${l.ip} ${new Date(l.expiresAt).toISOString()} ${l.hostname || '-'}\n`;
}

export function formatLeaseFile(leases: readonly Lease[]): string {
  const lines = leases
    .filter((l) => l.state !== 'offered')
    .map((l) => ({ l, key: ipv4ToInt(l.ip) }))
    .sort((a, b) => a.key - b.key)
    .map(({ l }) => leaseLine(l));
  return `${HEADER.join('\n')}\n${lines.join('')}`;
}

const STATES = new Set(['bound', 'released', 'declined', 'free']);

/** Every line in order, `free` ones flagged. Lines that do not parse (a torn last append) are skipped. */
function parseLeaseLines(body: string): Change[] {
  const out: Change[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [state, mac, ip, expires, hostname, ...rest] = line.split(/\s+/);
    const expiresAt = Date.parse(expires ?? '');
    if (!STATES.has(state ?? '') || !mac || !ip || Number.isNaN(expiresAt) || !hostname || rest.length > 0) continue;
    out.push({
      freed: state === 'free',
      lease: {
        state: (state === 'free' ? 'released' : state) as LeaseState,
        mac,
        ip,
        expiresAt,
        ...(hostname !== '-' ? { hostname } : {}),
      },
    });
  }
  return out;
}

/** The leases a file describes, after replaying every line. */
export function parseLeaseFile(body: string): Lease[] {
  const store = new LeaseStore();
  for (const { lease, freed } of parseLeaseLines(body)) {
    if (freed) store.forgetIp(lease.ip);
    else store.put(lease);
  }
  return store.all();
}
