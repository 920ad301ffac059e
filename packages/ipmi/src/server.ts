import {
  intToIpv4,
  ipv4ToInt,
  isIpv4,
  DEFAULT_BIND,
  acquireTelemetry,
  type EventBus,
  type BmcDirectory,
  type Logger,
  type Node,
  type NodeDriver,
  type NodeEvent,
  silentLogger,
  withDefaults,
  type Telemetry,
} from '@bmc-emu/core';
import { BmcEndpoint } from './bmc.js';
import type { Credentials } from './commands/context.js';
import { ipmiSection } from './config-section.js';
import { PortMap, type Slot, slotKey } from './port-map.js';

export interface IpmiServerOptions {
  driver: NodeDriver;
  /** Address every BMC socket binds to (default: core's bind default). */
  bind?: string;
  /** Node N in driver list order gets basePort + N; 0 gives every node an ephemeral port (tests). */
  basePort: number;
  /** One IP per node instead: node N binds addressBase + N on addressPort (default: the ipmi section's); `bind` is then unused. */
  addressBase?: string;
  addressPort?: number;
  user: string;
  password: string;
  /** Per-node credentials; nodes it returns undefined for use user/password. */
  credentialsFor?: (node: Node) => Credentials | undefined;
  /** BMC key Kg as hex (`0x...` or 40 hex digits) or text; unset = Kuid. */
  kg?: string;
  /** Answer IPMI 1.5 sessions (`ipmitool -I lan`, MD5). Defaults of this and the next knobs: the ipmi section's. */
  ipmi15?: boolean;
  maxSessionsPerBmc?: number;
  sessionIdleTimeoutSec?: number;
  /**
   * JSON file remembering each node's address/port, so BMCs keep their ports across restarts when nodes
   * are added or removed ahead of them (unused with basePort 0).
   */
  portMapFile?: string;
  /** Constant delay before every handshake failure answer (ms). */
  failureDelayMs?: number;
  /** Longest a Chassis Control waits for the driver before answering anyway (ms). Default 250. */
  powerAnswerMs?: number;
  /** Automatic clear of the boot flag valid bit after an IPMI client sets it (spec: 60 s; default the section's). */
  bootFlagValidTimeoutMs?: number;
  /** Registered BMCs: their own endpoint and account, `active`, and `serve: listed` (re-read on change). */
  directory?: BmcDirectory;
  /** Sensors and SEL shared with Redfish; unset = the driver's shared in-memory one. */
  telemetry?: Telemetry;
  logger?: Logger;
  /** The rack event stream every BMC publishes its answered commands to. */
  events?: EventBus | undefined;
}

const SECTION = ipmiSection.parse({});
/** The ipmi section's defaults for the knobs the server shares with it, plus the server-only ones. */
const DEFAULTS = {
  bind: DEFAULT_BIND,
  addressPort: SECTION.addressPort,
  ipmi15: SECTION.ipmi15,
  maxSessionsPerBmc: SECTION.maxSessionsPerBmc,
  sessionIdleTimeoutSec: SECTION.sessionIdleTimeoutSec,
  failureDelayMs: SECTION.failureDelayMs,
  bootFlagValidTimeoutMs: Math.round(SECTION.bootFlagValidTimeoutSec * 1000),
  powerAnswerMs: 250,
};

type Settings = IpmiServerOptions & typeof DEFAULTS;

export interface EndpointInfo {
  nodeId: string;
  name: string;
  address: string;
  port: number;
}

/** IPv4 endpoints in numeric order; an IPv6 bind sorts first, by port alone. */
function addressOrder(address: string): number {
  return isIpv4(address) ? ipv4ToInt(address) : 0;
}

export function parseKg(kg: string | undefined): Buffer | undefined {
  if (kg === undefined || kg === '') return undefined;
  const hex = kg.startsWith('0x') ? kg.slice(2) : kg;
  const raw = /^[0-9a-fA-F]{40}$/.test(hex) || kg.startsWith('0x') ? Buffer.from(hex, 'hex') : Buffer.from(kg);
  const out = Buffer.alloc(20);
  raw.copy(out, 0, 0, 20);
  return out;
}

/**
 * Every node's BMC in one process: one UDP socket per node (vbmc-compatible ports), opened and
 * closed as the driver reports nodes added and removed.
 */
export class IpmiServer {
  private readonly endpoints = new Map<
    string,
    { endpoint: BmcEndpoint; name: string; address: string; registered: string | undefined }
  >();
  private unwatch: (() => void) | undefined;
  private unlisten: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly logger: Logger;
  private readonly kg: Buffer | undefined;
  private readonly portMap: PortMap;
  private readonly opts: Settings;
  private telemetry: Telemetry | undefined;
  private releaseTelemetry: (() => Promise<void>) | undefined;

  constructor(given: IpmiServerOptions) {
    const opts: Settings = { ...given, ...withDefaults(DEFAULTS, given) };
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger();
    this.kg = parseKg(opts.kg);
    const base =
      opts.addressBase !== undefined ? `${opts.addressBase}:${opts.addressPort}` : `${opts.bind}:${opts.basePort}`;
    this.portMap = new PortMap(
      opts.basePort === 0 && opts.addressBase === undefined ? undefined : opts.portMapFile,
      base,
      this.logger,
    );
  }

  get ipmi15(): boolean {
    return this.opts.ipmi15;
  }

  async start(): Promise<EndpointInfo[]> {
    await this.portMap.load();
    if (this.opts.telemetry) this.telemetry = this.opts.telemetry;
    else {
      const held = acquireTelemetry({ driver: this.opts.driver, logger: this.logger });
      this.telemetry = held.telemetry;
      this.releaseTelemetry = held.release;
    }
    await this.telemetry.ready;
    this.unwatch = this.opts.driver.watch((e) => this.onEvent(e));
    const nodes = await this.opts.driver.list();
    const present = nodes.map((n) => n.id);
    for (const [i, node] of nodes.entries()) await this.open(node, i, present);
    this.unlisten = this.opts.directory?.onChange(() => this.reconcile());
    this.sweeper = setInterval(() => {
      for (const { endpoint } of this.endpoints.values()) endpoint.sweep();
    }, 2_000);
    this.sweeper.unref();
    return this.list();
  }

  list(): EndpointInfo[] {
    return [...this.endpoints.entries()]
      .map(([nodeId, { endpoint, name, address }]) => ({ nodeId, name, address, port: endpoint.port }))
      .sort((a, b) => addressOrder(a.address) - addressOrder(b.address) || a.port - b.port);
  }

  endpointFor(nodeIdOrName: string): BmcEndpoint | undefined {
    const direct = this.endpoints.get(nodeIdOrName);
    if (direct) return direct.endpoint;
    for (const e of this.endpoints.values()) if (e.name === nodeIdOrName) return e.endpoint;
    return undefined;
  }

  /**
   * Re-read the directory: close BMCs no longer served, reopen those whose endpoint or account changed
   * (their sessions end, so an old password is refused at once), open newly served ones. Rejects when an
   * endpoint can't open (e.g. its port is taken).
   */
  reconcile(): Promise<void> {
    const run = this.chain.then(async () => {
      if (!this.unwatch) return;
      const nodes = await this.opts.driver.list();
      const present = nodes.map((n) => n.id);
      for (const [id, entry] of [...this.endpoints]) {
        const node = nodes.find((n) => n.id === id);
        const claimed = entry.registered === undefined && this.claimedByRegistered(node, entry);
        if (node && this.wanted(node) === entry.registered && this.served(node) && !claimed) continue;
        this.endpoints.delete(id);
        await entry.endpoint.stop();
      }
      for (const [i, node] of nodes.entries()) if (!this.endpoints.has(node.id)) await this.open(node, i, present);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * An unregistered node sitting on an endpoint a registered BMC (of another node) now owns: it moves to a
   * free slot, so a BMC added live (e.g. by `lab up`) gets exactly the port it was given.
   */
  private claimedByRegistered(node: Node | undefined, entry: { address: string; endpoint: BmcEndpoint }): boolean {
    const wildcard = (a: string) => a === '::' || a === '0.0.0.0';
    return (this.opts.directory?.all() ?? []).some((e) => {
      if (e.node === node?.name || e.node === node?.id || e.port !== entry.endpoint.port) return false;
      const a = e.address ?? this.opts.bind;
      return a === entry.address || wildcard(a) || wildcard(entry.address);
    });
  }

  /** The registered endpoint and account of a node, as a comparable key; undefined when unregistered. */
  private wanted(node: Node): string | undefined {
    const e = this.opts.directory?.bmcFor(node);
    return e && JSON.stringify([e.address ?? this.opts.bind, e.port, e.user, e.password, e.active]);
  }

  private served(node: Node): boolean {
    const e = this.opts.directory?.bmcFor(node);
    if (e) return e.active;
    return this.opts.directory?.serve !== 'listed';
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.sweeper) clearInterval(this.sweeper);
    await this.chain;
    const all = [...this.endpoints.values()];
    this.endpoints.clear();
    await Promise.all(all.map((e) => e.endpoint.stop()));
    await this.portMap.flush();
    await this.releaseTelemetry?.();
    this.releaseTelemetry = undefined;
  }

  private onEvent(e: NodeEvent): void {
    // Any change may carry a new power state or boot (libvirt reports a boot as 'boot'/'bios'/'changed').
    if (e.node && e.type !== 'added') this.endpoints.get(e.nodeId)?.endpoint.nodeEvent(e);
    if (e.type === 'added' && e.node) {
      const node = e.node;
      this.chain = this.chain.then(async () => {
        if (this.endpoints.has(node.id) || !this.unwatch) return;
        const nodes = await this.opts.driver.list();
        const index = Math.max(
          0,
          nodes.findIndex((n) => n.id === node.id),
        );
        await this.open(
          node,
          index,
          nodes.map((n) => n.id),
        ).catch((err) => this.logger.error({ err, node: node.name }, 'ipmi endpoint failed to open'));
      });
    } else if (e.type === 'removed') {
      this.chain = this.chain.then(async () => {
        const entry = this.endpoints.get(e.nodeId);
        if (!entry) return;
        this.endpoints.delete(e.nodeId);
        this.portMap.delete(e.nodeId);
        await entry.endpoint.stop();
        this.logger.info({ node: entry.name }, 'ipmi endpoint closed');
      });
    }
  }

  /**
   * Where a node listens: the slot remembered for it when still free, else basePort + index on `bind`
   * (or addressBase + index on addressPort), else the lowest free slot above the base. Slots remembered
   * for other present nodes are never handed out. (A map written under another base is not loaded.)
   */
  private pickSlot(nodeId: string, index: number, present: string[]): Slot {
    const taken = this.portMap.reservedFor(present, nodeId);
    for (const e of this.endpoints.values()) taken.add(slotKey({ address: e.address, port: e.endpoint.port }));
    // Registered BMCs own their ports even while stopped or not yet opened.
    for (const e of this.opts.directory?.all() ?? []) {
      taken.add(slotKey({ address: e.address ?? this.opts.bind, port: e.port }));
    }
    const { addressBase } = this.opts;
    const { bind } = this.opts;
    const remembered = this.portMap.get(nodeId);
    if (remembered && !taken.has(slotKey(remembered))) return remembered;
    const at: (i: number) => Slot =
      addressBase !== undefined
        ? (i) => ({ address: intToIpv4(ipv4ToInt(addressBase) + i), port: this.opts.addressPort })
        : (i) => ({ address: bind, port: this.opts.basePort + i });
    if (addressBase === undefined && this.opts.basePort === 0) return { address: at(0).address, port: 0 };
    if (!taken.has(slotKey(at(index)))) return at(index);
    let i = 0;
    while (taken.has(slotKey(at(i)))) i++;
    return at(i);
  }

  /** Active (authenticated) sessions per node id. */
  activeSessions(): Array<{ nodeId: string; name: string; active: number }> {
    return [...this.endpoints].map(([nodeId, e]) => ({
      nodeId,
      name: e.name,
      active: e.endpoint.sessions.activeCount,
    }));
  }

  private async open(node: Node, index: number, present: string[]): Promise<void> {
    if (!this.served(node)) return;
    const reg = this.opts.directory?.bmcFor(node);
    const creds = (reg?.user !== undefined && reg.password !== undefined
      ? { user: reg.user, password: reg.password }
      : undefined) ??
      this.opts.credentialsFor?.(node) ?? { user: this.opts.user, password: this.opts.password };
    const { address, port } = reg
      ? { address: reg.address ?? this.opts.bind, port: reg.port }
      : this.pickSlot(node.id, index, present);
    const endpoint = new BmcEndpoint({
      driver: this.opts.driver,
      nodeId: node.id,
      credentials: creds,
      bind: address,
      port,
      kg: this.kg,
      ipmi15: this.ipmi15,
      limits: {
        maxSessions: this.opts.maxSessionsPerBmc,
        idleTimeoutMs: this.opts.sessionIdleTimeoutSec * 1000,
        handshakeTimeoutMs: 10_000,
      },
      failureDelayMs: this.opts.failureDelayMs,
      powerAnswerMs: this.opts.powerAnswerMs,
      bootFlagValidTimeoutMs: this.opts.bootFlagValidTimeoutMs,
      telemetry: this.telemetry!,
      logger: this.logger,
      events: this.opts.events,
    });
    await endpoint.start();
    this.endpoints.set(node.id, { endpoint, name: node.name, address, registered: this.wanted(node) });
    if (port !== 0 && !reg) this.portMap.set(node.id, { address, port: endpoint.port });
    this.logger.debug({ node: node.name, port: endpoint.port }, 'ipmi endpoint open');
  }
}
