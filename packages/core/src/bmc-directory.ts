import { createHash, timingSafeEqual } from 'node:crypto';

/** One registered BMC as a front end needs it: where it answers and with which account. */
export interface BmcEntry {
  node: string;
  /** Absent: the server's bind address. */
  address?: string;
  port: number;
  /** Absent: the server's top-level account. */
  user?: string;
  password?: string;
  active: boolean;
}

/**
 * The BMCs a running server was told to serve (the manage registry), read by front ends without their
 * importing manage. `serve: listed` means unregistered nodes are not served at all.
 */
export interface BmcDirectory {
  readonly serve: 'all' | 'listed';
  bmcFor(node: { id: string; name: string }): BmcEntry | undefined;
  /** Every registered BMC. */
  all(): BmcEntry[];
  /** The active BMCs whose own account is exactly this user and password (Redfish per-node accounts). */
  withAccount(user: string, password: string): BmcEntry[];
  /** Called after each change; a listener that rejects makes `set` reject (the change is refused). */
  onChange(listener: () => Promise<void> | void): () => void;
}

/** The directory `serve` owns: replaced whole on every registry change. */
export class MutableBmcDirectory implements BmcDirectory {
  private entries: BmcEntry[] = [];
  private readonly listeners = new Set<() => Promise<void> | void>();

  constructor(readonly serve: 'all' | 'listed' = 'all') {}

  bmcFor(node: { id: string; name: string }): BmcEntry | undefined {
    return this.entries.find((e) => e.node === node.name) ?? this.entries.find((e) => e.node === node.id);
  }

  all(): BmcEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  withAccount(user: string, password: string): BmcEntry[] {
    const digest = (s: string) => createHash('sha256').update(s).digest();
    const want = digest(password);
    return this.entries.filter(
      (e) => e.active && e.user === user && e.password !== undefined && timingSafeEqual(digest(e.password), want),
    );
  }

  onChange(listener: () => Promise<void> | void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async set(entries: BmcEntry[]): Promise<void> {
    this.entries = entries.map((e) => ({ ...e }));
    for (const l of [...this.listeners]) await l();
  }
}

/**
 * The nodes (names or ids) a caller may see: a per-node account's own, else under `serve: listed` the
 * registered ones; undefined = every node.
 */
export function visibleNodes(directory: BmcDirectory | undefined, own: string[] | undefined): string[] | undefined {
  if (own) return own;
  return directory?.serve === 'listed' ? directory.all().map((e) => e.node) : undefined;
}
