import { join } from 'node:path';
import { type BmcLan, bmcLan } from './bmc-lan.js';
import type { NodeDriver } from './driver.js';
import type { SharedSettings } from './config/schema.js';
import { sensorsSection } from './config/sensors-section.js';
import type { FrontEndComponents } from './front-end.js';
import type { Logger } from './logging.js';
import type { Node, PowerAction } from './node.js';
import { bmcStartEntry, thresholdEntry } from './sel/entry.js';
import { type AttributedKind, SelRecorder } from './sel/recorder.js';
import { SelStore } from './sel/store.js';
import { type SensorDef, sensorCatalog, type Thresholds } from './sensors/catalog.js';
import { CpuLoad } from './sensors/load.js';
import { readSensor, type SensorReading, type ThresholdLevel } from './sensors/readings.js';
import {
  crossingOffset,
  defaultEventEnables,
  judgeThresholds,
  type SensorEventEnables,
  type ThresholdVerdict,
} from './sensors/settings.js';
import { SensorSettingsStore } from './sensors/settings-store.js';

export interface TelemetryOptions {
  driver: NodeDriver;
  /**
   * SEL files go to `<stateDir>/sel/<node id>.json`, sensor settings (thresholds, event enables) to
   * `<stateDir>/sensors/<node id>.json`; unset keeps both in memory.
   */
  stateDir?: string;
  selMaxEntries?: number;
  /** Sensors forced past their critical threshold: node name or id -> sensor names or ids. */
  faults?: Record<string, string[]>;
  /** How long one jittered value holds (ms). */
  jitterPeriodMs?: number;
  /** How often thresholds are checked for crossings (ms); 0 = only on power changes and reads. */
  scanIntervalMs?: number;
  logger?: Logger;
  now?: () => number;
}

/**
 * Sensors and the System Event Log of every node: one model in core that IPMI and Redfish both show.
 * Get it with `acquireTelemetry`, so every front end of one driver shares one instance.
 */
export class Telemetry {
  readonly sel: SelStore;
  readonly settings: SensorSettingsStore;
  readonly ready: Promise<void>;
  private readonly recorder: SelRecorder;
  private readonly cpu: CpuLoad;
  private readonly addresses = new Map<string, string>();
  private readonly levels = new Map<string, Map<number, ThresholdLevel>>();
  private readonly now: () => number;
  private unwatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private scanning: Promise<void> = Promise.resolve();

  constructor(private readonly opts: TelemetryOptions) {
    this.now = opts.now ?? Date.now;
    this.sel = new SelStore({
      ...(opts.stateDir ? { dir: join(opts.stateDir, 'sel') } : {}),
      ...(opts.selMaxEntries ? { maxEntries: opts.selMaxEntries } : {}),
      now: this.now,
      onError: (err, nodeId) => opts.logger?.warn({ err, node: nodeId }, 'SEL could not be saved'),
    });
    this.settings = new SensorSettingsStore({
      ...(opts.stateDir ? { dir: join(opts.stateDir, 'sensors') } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    this.cpu = new CpuLoad(opts.driver, 2_000, this.now);
    this.recorder = new SelRecorder(
      (id, e) => this.sel.add(id, e),
      (n) => (n.source === 'memory' ? 'bmc-emu' : `libvirt (${n.source}, outside bmc-emu)`),
      this.now,
    );
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    const nodes = await this.opts.driver.list();
    for (const n of nodes) await this.nodeAdded(n);
    this.unwatch = this.opts.driver.watch((e) => {
      if (e.type === 'added' && e.node) {
        void this.nodeAdded(e.node).catch(() => undefined);
        return;
      }
      this.recorder.event(e);
      if (e.type === 'removed') {
        this.levels.delete(e.nodeId);
        this.cpu.forget(e.nodeId);
        this.sel.forget(e.nodeId);
        this.settings.forget(e.nodeId);
      } else if (e.type === 'power' && e.node) this.queueScan([e.node]);
    });
    await this.scan(nodes);
    const every = this.opts.scanIntervalMs ?? 5_000;
    if (every > 0) {
      this.timer = setInterval(() => this.queueScan(), every);
      this.timer.unref();
    }
  }

  private async nodeAdded(n: Node): Promise<void> {
    await this.sel.load(n.id);
    await this.settings.load(n.id);
    this.recorder.seed(n);
    this.sel.add(n.id, bmcStartEntry());
  }

  /** Say who is about to change a node, so its SEL entry names them (e.g. "IPMI user admin"). */
  note(nodeId: string, kind: AttributedKind, actor: string, action?: PowerAction): void {
    this.recorder.note(nodeId, kind, actor, action);
  }

  /** The IPMI front end says where each BMC answers, so Redfish shows the same LAN address. */
  setBmcAddress(nodeId: string, address: string): void {
    this.addresses.set(nodeId, address);
  }

  /** The node's BMC LAN settings; `fallback` is used until a BMC address is known (e.g. the Redfish bind). */
  lan(nodeId: string, fallback = '0.0.0.0'): BmcLan {
    return bmcLan(nodeId, this.addresses.get(nodeId) ?? fallback);
  }

  /** The node's sensors, with the thresholds clients have set in place of the catalog's. */
  sensors(node: Pick<Node, 'cpu' | 'id'>): SensorDef[] {
    return sensorCatalog(node).map((def) => {
      const t = this.settings.get(node.id, def.number)?.thresholds;
      return t ? { ...def, thresholds: { ...def.thresholds, ...t } } : def;
    });
  }

  /** Which events the sensor reports (Get/Set Sensor Event Enable); the defaults until a client changes them. */
  eventEnables(nodeId: string, def: SensorDef): SensorEventEnables {
    return this.settings.get(nodeId, def.number)?.events ?? defaultEventEnables(def);
  }

  /**
   * Change some thresholds of one sensor (IPMI Set Sensor Thresholds, Redfish PATCH). Judged against the
   * current ones (settable, in range, still ordered); kept on disk; a crossing the change causes goes into the
   * SEL before this resolves. Undefined when the node has no such sensor.
   */
  async setThresholds(nodeId: string, sensor: number, change: Thresholds): Promise<ThresholdVerdict | undefined> {
    await this.ready;
    const node = await this.opts.driver.get(nodeId);
    const def = this.sensors(node).find((d) => d.number === sensor);
    if (!def) return undefined;
    const verdict = judgeThresholds(def, def.thresholds, change);
    if (!verdict.ok) return verdict;
    this.settings.update(nodeId, sensor, { thresholds: verdict.thresholds });
    this.queueScan([node]);
    await this.scanning;
    return verdict;
  }

  async setEventEnables(nodeId: string, sensor: number, events: SensorEventEnables): Promise<void> {
    await this.ready;
    this.settings.update(nodeId, sensor, { events });
  }

  private faulty(node: Node, def: SensorDef): boolean {
    const f = this.opts.faults;
    if (!f) return false;
    const list = [...(f[node.name] ?? []), ...(f[node.id] ?? [])];
    return list.includes(def.name) || list.includes(def.id);
  }

  /** Every sensor of the node, read now. */
  async readings(nodeOrId: Node | string): Promise<SensorReading[]> {
    const node = typeof nodeOrId === 'string' ? await this.opts.driver.get(nodeOrId) : nodeOrId;
    const load = await this.cpu.load(node);
    const now = this.now();
    return this.sensors(node).map((def) =>
      readSensor(def, {
        nodeId: node.id,
        powerState: node.powerState,
        load,
        now,
        jitterPeriodMs: this.opts.jitterPeriodMs ?? 10_000,
        fault: this.faulty(node, def),
      }),
    );
  }

  private queueScan(nodes?: Node[]): void {
    this.scanning = this.scanning
      .then(() => this.scan(nodes))
      .catch((err: unknown) => this.opts.logger?.debug({ err }, 'sensor scan failed'));
  }

  /** Compare every sensor with its last level; each crossing becomes a SEL entry. */
  private async scan(nodes?: Node[]): Promise<void> {
    if (this.closed) return;
    for (const node of nodes ?? (await this.opts.driver.list())) {
      const last = this.levels.get(node.id) ?? new Map<number, ThresholdLevel>();
      this.levels.set(node.id, last);
      for (const r of await this.readings(node)) {
        const before = last.get(r.def.number) ?? 'ok';
        if (r.level === before) continue;
        last.set(r.def.number, r.level);
        const base = {
          sensorNumber: r.def.number,
          sensorName: r.def.name,
          sensorKind: r.def.kind,
          unit: r.def.unit,
          resolution: r.def.resolution,
          value: r.value,
        };
        // a sensor whose events a client turned off still changes level, it just logs nothing
        const ev = this.eventEnables(node.id, r.def);
        const reports = (level: Exclude<ThresholdLevel, 'ok'>, mask: number) =>
          ev.messages && ev.scanning && (mask & (1 << crossingOffset(level))) !== 0;
        if (before !== 'ok' && reports(before, ev.deassertions)) {
          const threshold = r.def.thresholds[before] ?? 0;
          this.sel.add(node.id, thresholdEntry({ ...base, level: before, asserted: false, threshold }));
        }
        if (r.level !== 'ok' && reports(r.level, ev.assertions)) {
          const threshold = r.def.thresholds[r.level] ?? 0;
          this.sel.add(node.id, thresholdEntry({ ...base, level: r.level, asserted: true, threshold }));
        }
      }
    }
  }

  /** Run a threshold check now (tests; and after a config change). */
  async check(): Promise<void> {
    this.queueScan();
    await this.scanning;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.unwatch?.();
    await this.ready.catch(() => undefined);
    await this.scanning;
    await this.sel.flush();
    await this.settings.flush();
  }
}

const shared = new WeakMap<NodeDriver, { telemetry: Telemetry; refs: number }>();

/**
 * The Telemetry of this driver, created by the first front end that asks (with its options) and
 * shared by the others; `release` closes it when the last one lets go.
 */
export function acquireTelemetry(opts: TelemetryOptions): { telemetry: Telemetry; release: () => Promise<void> } {
  let slot = shared.get(opts.driver);
  if (!slot) {
    slot = { telemetry: new Telemetry(opts), refs: 0 };
    shared.set(opts.driver, slot);
  }
  slot.refs++;
  const held = slot;
  let released = false;
  return {
    telemetry: held.telemetry,
    release: async () => {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs > 0) return;
      if (shared.get(opts.driver) === held) shared.delete(opts.driver);
      await held.telemetry.close();
    },
  };
}

/**
 * The Telemetry every front end of one driver shares (IPMI and Redfish show the same sensors and SEL),
 * configured from the `sensors` section serve hands over as a component (defaults without one).
 */
export function acquireTelemetryFor(ctx: { shared: SharedSettings; components: FrontEndComponents }): {
  telemetry: Telemetry;
  release: () => Promise<void>;
} {
  const cfg = ctx.components.sensors ?? sensorsSection.parse({});
  return acquireTelemetry({
    driver: ctx.components.driver,
    stateDir: ctx.shared.stateDir,
    faults: cfg.faults,
    selMaxEntries: cfg.selMaxEntries,
    scanIntervalMs: cfg.scanIntervalMs,
    logger: ctx.components.logger,
  });
}
