import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { HypervisorStatus, MediaInsertOptions, NodeDriver } from './driver.js';
import { BmcEmuError, ErrorCode, errors, isBmcEmuError } from './errors.js';
import { type Logger, silentLogger } from './logging.js';
import type {
  BiosAttributes,
  BootOverride,
  MediaSlot,
  MediaSource,
  Node,
  NodeEvent,
  PowerAction,
  SecureBoot,
} from './node.js';

export interface HypervisorMember {
  /** Shown everywhere the node's hypervisor is (Node.hypervisor, Redfish, `bmc-emu nodes`). */
  name: string;
  /** What the member connects to (a libvirt URI), for status and messages. */
  uri: string;
  driver: NodeDriver;
  /** A read (list, get, ...) that takes longer marks the hypervisor down (ms). Default 4000. */
  timeoutMs?: number;
}

export interface HypervisorSetOptions {
  members: HypervisorMember[];
  /** NodeDriver.name of the set (default 'hypervisors'). */
  name?: string;
  logger?: Logger;
  /** A down hypervisor is probed after this long (ms), the delay doubling up to maxProbeIntervalMs. */
  probeIntervalMs?: number;
  maxProbeIntervalMs?: number;
  /** How long start() waits for each hypervisor's first list (ms). */
  startTimeoutMs?: number;
  /** Called when a hypervisor goes down or comes back (e.g. to publish it on the rack's event bus). */
  onHealth?: (status: HypervisorStatus) => void;
}

class Member {
  up = true;
  reason: string | undefined;
  since = new Date().toISOString();
  probeTimer: NodeJS.Timeout | undefined;
  probeDelay = 0;
  probing = false;
  unwatch: (() => void) | undefined;
  readonly timeoutMs: number;

  constructor(readonly cfg: HypervisorMember) {
    this.timeoutMs = cfg.timeoutMs ?? 4_000;
  }

  get name(): string {
    return this.cfg.name;
  }

  unavailable(reason = this.reason ?? 'it is down'): BmcEmuError {
    return errors.driverUnavailable(`hypervisor ${this.name} (${this.cfg.uri})`, reason);
  }
}

const NAMED_CODES: readonly string[] = [
  ErrorCode.DriverUnavailable,
  ErrorCode.Internal,
  ErrorCode.Timeout,
  ErrorCode.MediaError,
];

/**
 * One NodeDriver over several hypervisors, each its own NodeDriver (own connection, cache, event stream
 * and timeouts). Requests go to the node's own hypervisor only (an index id -> hypervisor kept from
 * list() and watch events). A hypervisor that fails with BMCEMU_DRIVER_UNAVAILABLE, or whose read
 * outlives its timeout, is marked down: its nodes then fail at once with that error, the others are
 * untouched, and it is probed in the background until it answers again. A node UUID that two hypervisors
 * report belongs to the one that reported it first; the other copy is logged and shown, never merged.
 */
export class HypervisorSet implements NodeDriver {
  readonly name: string;
  private readonly members: Member[];
  private readonly owner = new Map<string, Member>();
  private readonly byName = new Map<string, string>();
  private readonly dupes = new Map<string, Set<Member>>();
  private readonly emitter = new EventEmitter();
  private readonly logger: Logger;
  private readonly probeMs: number;
  private readonly maxProbeMs: number;
  private readonly startTimeoutMs: number;
  private readonly onHealth: ((status: HypervisorStatus) => void) | undefined;
  private closed = false;

  constructor(opts: HypervisorSetOptions) {
    if (opts.members.length === 0) throw errors.invalidArgument('A hypervisor set needs at least one hypervisor.');
    const names = opts.members.map((m) => m.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw errors.invalidArgument(`Two hypervisors are named "${twice}"; names must differ.`);
    this.name = opts.name ?? 'hypervisors';
    this.logger = opts.logger ?? silentLogger();
    this.probeMs = opts.probeIntervalMs ?? 1_000;
    this.maxProbeMs = opts.maxProbeIntervalMs ?? 10_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.onHealth = opts.onHealth;
    this.emitter.setMaxListeners(0);
    this.members = opts.members.map((cfg) => new Member(cfg));
    for (const m of this.members) m.unwatch = m.cfg.driver.watch((e) => this.onMemberEvent(m, e));
  }

  /** Load every hypervisor once (in parallel). Fails only when none answers; the others are probed. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(
      this.members.map((m) => withTimeout(m.cfg.driver.list(), this.startTimeoutMs, () => m.unavailable('no answer'))),
    );
    // claimed in configuration order, so the first hypervisor wins a UUID reported twice at start-up
    results.forEach((r, i) => {
      const m = this.members[i]!;
      if (r.status === 'fulfilled') for (const n of r.value) this.claim(m, n);
      else this.markDown(m, reasonOf(r.reason));
    });
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === results.length) throw this.named(this.members[0]!, failed[0]!.reason);
  }

  /**
   * Add a hypervisor to a running set (e.g. one a BMC record names): loaded once, its nodes announced as
   * `added`; one that does not answer is marked down and probed like any other.
   */
  async add(cfg: HypervisorMember): Promise<void> {
    this.assertOpen();
    if (this.members.some((m) => m.name === cfg.name)) {
      throw errors.invalidArgument(`A hypervisor named "${cfg.name}" is served already; names must differ.`);
    }
    const m = new Member(cfg);
    this.members.push(m);
    m.unwatch = cfg.driver.watch((e) => this.onMemberEvent(m, e));
    try {
      const nodes = await withTimeout(cfg.driver.list(), m.timeoutMs, () => m.unavailable('no answer'));
      if (this.closed || !this.serves(m)) return;
      for (const n of nodes) {
        if (this.claim(m, n)) this.emitter.emit('event', { type: 'added', nodeId: n.id, node: tag(m, n) });
      }
      this.logger.info({ hypervisor: m.name, uri: cfg.uri, nodes: nodes.length }, 'hypervisor added');
    } catch (err) {
      this.markDown(m, reasonOf(err));
    }
  }

  /**
   * Stop serving a hypervisor (e.g. one that only a since deleted BMC record named): its nodes are announced
   * as `removed` and its driver is closed (connection, event stream, probing). A UUID that another hypervisor
   * also reports is then served by that one. False when no hypervisor has that name; the last one stays.
   */
  async remove(name: string): Promise<boolean> {
    this.assertOpen();
    const m = this.members.find((x) => x.name === name);
    if (!m) return false;
    if (this.members.length === 1) {
      throw errors.invalidArgument(`Hypervisor "${name}" is the only one served; it cannot be removed.`);
    }
    this.members.splice(this.members.indexOf(m), 1);
    clearTimeout(m.probeTimer);
    m.unwatch?.();
    const gone = [...this.owner].filter(([id, o]) => o === m && this.release(m, id)).map(([id]) => id);
    for (const set of this.dupes.values()) set.delete(m);
    for (const id of gone) this.emitter.emit('event', { type: 'removed', nodeId: id });
    await m.cfg.driver
      .close()
      .catch((err: unknown) => this.logger.warn({ err, hypervisor: name }, 'closing a removed hypervisor failed'));
    this.logger.info({ hypervisor: name, uri: m.cfg.uri, nodes: gone.length }, 'hypervisor removed');
    for (const id of gone) await this.handOver(id);
    return true;
  }

  private serves(m: Member): boolean {
    return this.members.includes(m);
  }

  /** A UUID whose hypervisor went: the first reachable other hypervisor reporting it serves it now. */
  private async handOver(id: string): Promise<void> {
    const others = this.dupes.get(id);
    for (const o of [...(others ?? [])]) {
      if (!o.up || this.closed) continue;
      const node = await this.read(o, () => o.cfg.driver.get(id)).catch(() => undefined);
      if (!node || this.owner.has(id)) continue;
      others!.delete(o);
      if (others!.size === 0) this.dupes.delete(id);
      if (this.claim(o, node)) this.emitter.emit('event', { type: 'added', nodeId: id, node: tag(o, node) });
      return;
    }
  }

  hypervisors(): HypervisorStatus[] {
    return this.members.map((m) => this.statusOf(m));
  }

  private statusOf(m: Member): HypervisorStatus {
    let nodes = 0;
    for (const o of this.owner.values()) if (o === m) nodes++;
    const duplicates: HypervisorStatus['duplicates'] = [];
    for (const [id, set] of this.dupes) {
      if (set.has(m)) duplicates.push({ id, servedBy: this.owner.get(id)?.name ?? '?' });
    }
    const s: HypervisorStatus = { name: m.name, uri: m.cfg.uri, up: m.up, since: m.since, nodes, duplicates };
    if (m.reason !== undefined) s.reason = m.reason;
    return s;
  }

  private healthChanged(m: Member): void {
    try {
      this.onHealth?.(this.statusOf(m));
    } catch (err) {
      this.logger.warn({ err, hypervisor: m.name }, 'hypervisor health listener failed');
    }
  }

  async list(): Promise<Node[]> {
    this.assertOpen();
    // the members asked, kept: one may be added or removed while they answer
    const members = [...this.members];
    const results = await Promise.allSettled(
      members.map((m) => (m.up ? this.read(m, () => m.cfg.driver.list()) : Promise.reject(m.unavailable()))),
    );
    const out: Node[] = [];
    results.forEach((r, i) => {
      const m = members[i]!;
      if (r.status === 'fulfilled' && this.serves(m))
        for (const n of r.value) if (this.claim(m, n)) out.push(tag(m, n));
    });
    if (results.every((r) => r.status === 'rejected')) throw (results[0] as PromiseRejectedResult).reason;
    return out;
  }

  async get(id: string): Promise<Node> {
    const m = await this.resolve(id);
    return tag(m, await this.read(m, () => m.cfg.driver.get(id)));
  }

  watch(listener: (event: NodeEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async power(id: string, action: PowerAction): Promise<void> {
    const m = await this.resolve(id);
    await this.write(m, () => m.cfg.driver.power(id, action));
  }

  async getBootOverride(id: string): Promise<BootOverride> {
    const m = await this.resolve(id);
    return this.read(m, () => m.cfg.driver.getBootOverride(id));
  }

  async setBootOverride(id: string, override: Partial<BootOverride>): Promise<BootOverride> {
    const m = await this.resolve(id);
    return this.write(m, () => m.cfg.driver.setBootOverride(id, override));
  }

  async insertMedia(id: string, slot: MediaSlot, source: MediaSource, opts?: MediaInsertOptions): Promise<void> {
    const m = await this.resolve(id);
    await this.write(m, () => m.cfg.driver.insertMedia(id, slot, source, opts));
  }

  async uploadsMedia(id: string): Promise<boolean> {
    const m = await this.resolve(id);
    const driver = m.cfg.driver;
    return driver.uploadsMedia ? this.read(m, () => driver.uploadsMedia!(id)) : false;
  }

  async ejectMedia(id: string, slot: MediaSlot): Promise<void> {
    const m = await this.resolve(id);
    await this.write(m, () => m.cfg.driver.ejectMedia(id, slot));
  }

  async getBios(id: string): Promise<{ attributes: BiosAttributes; pending: BiosAttributes }> {
    const m = await this.resolve(id);
    return this.read(m, () => m.cfg.driver.getBios(id));
  }

  async setBiosPending(id: string, attributes: BiosAttributes): Promise<void> {
    const m = await this.resolve(id);
    await this.write(m, () => m.cfg.driver.setBiosPending(id, attributes));
  }

  async resetBios(id: string): Promise<void> {
    const m = await this.resolve(id);
    await this.write(m, () => m.cfg.driver.resetBios(id));
  }

  async getSecureBoot(id: string): Promise<SecureBoot> {
    const m = await this.resolve(id);
    return this.read(m, () => m.cfg.driver.getSecureBoot(id));
  }

  async setSecureBoot(id: string, enabled: boolean): Promise<SecureBoot> {
    const m = await this.resolve(id);
    return this.write(m, () => m.cfg.driver.setSecureBoot(id, enabled));
  }

  async openConsole(id: string): Promise<Duplex> {
    const m = await this.resolve(id);
    const driver = m.cfg.driver;
    if (!driver.openConsole) throw errors.unsupported(`Hypervisor ${m.name} has no serial consoles.`);
    return this.write(m, () => driver.openConsole!(id));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const m of this.members) {
      clearTimeout(m.probeTimer);
      m.unwatch?.();
    }
    await Promise.allSettled(this.members.map((m) => m.cfg.driver.close()));
    this.emitter.removeAllListeners();
  }

  // --- routing -----------------------------------------------------------------------------------

  /** The hypervisor that serves `id` (a UUID or a name); asks the reachable ones only for unknown ids. */
  private async resolve(id: string): Promise<Member> {
    this.assertOpen();
    const uuid = this.owner.has(id) ? id : this.byName.get(id);
    const known = uuid === undefined ? undefined : this.owner.get(uuid);
    if (known) return known;
    const up = this.members.filter((m) => m.up);
    const found = await Promise.allSettled(up.map((m) => this.read(m, () => m.cfg.driver.get(id))));
    for (const [i, r] of found.entries()) {
      if (r.status === 'fulfilled' && this.serves(up[i]!) && this.claim(up[i]!, r.value)) return up[i]!;
    }
    const down = this.members.find((m) => !m.up);
    if (down) {
      throw errors.driverUnavailable(
        `hypervisor ${down.name} (${down.cfg.uri})`,
        `node "${id}" is on no reachable hypervisor and ${down.name} is down (${down.reason ?? 'no answer'})`,
      );
    }
    throw errors.nodeNotFound(id);
  }

  /** Record that `m` reports `node`; false when another hypervisor already serves its UUID. */
  private claim(m: Member, node: Node): boolean {
    const o = this.owner.get(node.id);
    if (o === undefined || o === m) {
      this.owner.set(node.id, m);
      if (!this.byName.has(node.name)) this.byName.set(node.name, node.id);
      return true;
    }
    let set = this.dupes.get(node.id);
    if (!set) this.dupes.set(node.id, (set = new Set()));
    if (!set.has(m)) {
      set.add(m);
      this.logger.warn(
        { uuid: node.id, node: node.name, servedBy: o.name, alsoOn: m.name },
        'a domain UUID is on two hypervisors: served from the first only, never merged',
      );
    }
    return false;
  }

  /** `m` no longer has `id`; true when `m` was the hypervisor serving it. */
  private release(m: Member, id: string): boolean {
    if (this.owner.get(id) !== m) {
      this.dupes.get(id)?.delete(m);
      return false;
    }
    this.owner.delete(id);
    for (const [name, uuid] of this.byName) if (uuid === id) this.byName.delete(name);
    return true;
  }

  private onMemberEvent(m: Member, e: NodeEvent): void {
    if (this.closed) return;
    if (!m.up) {
      // a sign of life: re-join first (the re-join announces what changed), so that nobody acts on a
      // node of a hypervisor the set still calls down
      this.probeSoon(m);
      return;
    }
    if (e.type === 'removed') {
      if (this.release(m, e.nodeId)) this.emitter.emit('event', e);
      return;
    }
    if (!e.node || !this.claim(m, e.node)) return;
    this.emitter.emit('event', { ...e, node: tag(m, e.node) } satisfies NodeEvent);
  }

  // --- health ------------------------------------------------------------------------------------

  private async read<T>(m: Member, op: () => Promise<T>): Promise<T> {
    if (!m.up) throw m.unavailable();
    return this.guard(
      m,
      withTimeout(op(), m.timeoutMs, () => m.unavailable(`no answer within ${m.timeoutMs} ms`)),
    );
  }

  /** Changes have no deadline here (a download or a boot may take long); the member's own timeouts apply. */
  private async write<T>(m: Member, op: () => Promise<T>): Promise<T> {
    if (!m.up) throw m.unavailable();
    return this.guard(m, op());
  }

  private async guard<T>(m: Member, p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (isBmcEmuError(err, ErrorCode.DriverUnavailable) && !this.closed) this.markDown(m, reasonOf(err));
      throw this.named(m, err);
    }
  }

  /** The member's error with the hypervisor's name in front (libvirt's own message kept). */
  private named(m: Member, err: unknown): unknown {
    if (!isBmcEmuError(err) || !NAMED_CODES.includes(err.code) || err.details.hypervisor !== undefined) return err;
    return new BmcEmuError(
      err.code,
      `Hypervisor ${m.name}: ${err.message}`,
      { ...err.details, hypervisor: m.name },
      { cause: err },
    );
  }

  private markDown(m: Member, reason: string): void {
    m.reason = reason;
    if (!m.up || !this.serves(m)) return;
    m.up = false;
    m.since = new Date().toISOString();
    this.logger.warn(
      { hypervisor: m.name, uri: m.cfg.uri, reason },
      'hypervisor is down; its nodes answer unavailable',
    );
    m.probeDelay = this.probeMs;
    this.scheduleProbe(m);
    this.healthChanged(m);
  }

  private scheduleProbe(m: Member): void {
    if (this.closed || m.up || !this.serves(m)) return;
    clearTimeout(m.probeTimer);
    m.probeTimer = setTimeout(() => void this.probe(m), m.probeDelay);
    m.probeTimer.unref();
  }

  /** A down hypervisor showed a sign of life (an event): probe now rather than at the next tick. */
  private probeSoon(m: Member): void {
    if (m.probing) return;
    m.probeDelay = Math.min(m.probeDelay, 50);
    this.scheduleProbe(m);
  }

  private async probe(m: Member): Promise<void> {
    if (this.closed || m.up || m.probing) return;
    m.probing = true;
    try {
      const nodes = await withTimeout(m.cfg.driver.list(), m.timeoutMs, () =>
        m.unavailable(`no answer within ${m.timeoutMs} ms`),
      );
      if (this.closed || !this.serves(m)) return;
      m.up = true;
      m.reason = undefined;
      m.since = new Date().toISOString();
      this.logger.info({ hypervisor: m.name, uri: m.cfg.uri, nodes: nodes.length }, 'hypervisor is back');
      this.reconcile(m, nodes);
      this.healthChanged(m);
    } catch (err) {
      m.reason = reasonOf(err);
      m.probeDelay = Math.min(Math.max(m.probeDelay * 2, this.probeMs), this.maxProbeMs);
      this.scheduleProbe(m);
    } finally {
      m.probing = false;
    }
  }

  /**
   * After a re-join: announce nodes that appeared while the hypervisor was down, drop those gone, and
   * tell subscribers that the others may have changed meanwhile (their events were not forwarded).
   */
  private reconcile(m: Member, nodes: Node[]): void {
    const seen = new Set(nodes.map((n) => n.id));
    for (const n of nodes) {
      const had = this.owner.get(n.id) === m;
      if (!this.claim(m, n)) continue;
      this.emitter.emit('event', { type: had ? 'changed' : 'added', nodeId: n.id, node: tag(m, n) });
    }
    for (const [id, o] of [...this.owner]) {
      if (o === m && !seen.has(id) && this.release(m, id)) this.emitter.emit('event', { type: 'removed', nodeId: id });
    }
    for (const [id, set] of this.dupes) if (set.has(m) && !seen.has(id)) set.delete(m);
  }

  private assertOpen(): void {
    if (this.closed) throw errors.driverUnavailable(this.name, 'the driver was closed');
  }
}

function tag(m: Member, node: Node): Node {
  node.hypervisor = m.name;
  return node;
}

function reasonOf(err: unknown): string {
  if (isBmcEmuError(err)) return String(err.details.reason ?? err.message);
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
