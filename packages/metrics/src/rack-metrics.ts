import type { EventBus, RackEvent } from '@bmc-emu/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type HistogramSeries, KeyedCounter, KeyedHistogram } from './keyed-metrics.js';
import { routeLabel } from './route-label.js';

/** One labelled value of a gauge read at scrape time. */
export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

export interface GaugeSource {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** Called on every scrape; must be cheap (read caches, never a hypervisor round trip per node). */
  read(): GaugeSample[] | Promise<GaugeSample[]>;
}

export interface RackMetricsOptions {
  bus: EventBus;
  /** process_* and nodejs_* metrics from prom-client (default true). */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TRANSFER_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
const MAX_ROUTES_REMEMBERED = 10_000;
const MAX_CELLS_REMEMBERED = 10_000;
const SESSIONS = ['none', '1.5', '2.0'] as const;

/** What one Redfish path counts into: its route label and its counter cells by method and status. */
interface RouteCells {
  route: string;
  /** key: status * 16 + the method's index in METHODS (other methods are not kept here) */
  cells: Map<number, { value: number }>;
}
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'];
const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * The Prometheus view of the rack: counters and histograms fed by the event stream, gauges read from
 * their owners at scrape time. Names follow Prometheus conventions (`bmcemu_*_total`, `_seconds`, `_bytes`).
 */
export class RackMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly subscription: { close(): void };
  // The per-request series, looked up without building a label key string on every event (a profile put
  // that and the label hashing at most of the metrics reader's cost): cells kept per path and per number.
  private readonly routes = new Map<string, RouteCells>();
  private readonly ipmiCells = new Map<number, { value: number }>();
  private readonly latencyByMethod = new Map<string, HistogramSeries>();
  private cellsGeneration = 0;
  private readonly m;

  constructor(private readonly opts: RackMetricsOptions) {
    const registers = [this.registry];
    this.m = {
      // the per-request ones are keyed (see keyed-metrics.ts): they are on every protocol answer's path
      redfish: new KeyedCounter(
        'bmcemu_redfish_requests_total',
        'Redfish requests answered, by method, route (member ids folded) and HTTP status.',
        this.registry,
      ),
      redfishSeconds: new KeyedHistogram(
        'bmcemu_redfish_request_duration_seconds',
        'Time from request to answer for Redfish requests.',
        this.registry,
        LATENCY_BUCKETS,
      ),
      ipmi: new KeyedCounter(
        'bmcemu_ipmi_commands_total',
        'IPMI commands answered, by network function, command, completion code and session kind.',
        this.registry,
      ),
      dhcp: new Counter({
        name: 'bmcemu_dhcp_messages_total',
        help: 'DHCP messages received and sent, by message type.',
        labelNames: ['message'],
        registers,
      }),
      tftp: new Counter({
        name: 'bmcemu_tftp_transfers_total',
        help: 'TFTP transfers finished, by result.',
        labelNames: ['result'],
        registers,
      }),
      tftpBytes: new Counter({
        name: 'bmcemu_tftp_sent_bytes_total',
        help: 'Bytes of file data sent over TFTP.',
        registers,
      }),
      tftpSeconds: new Histogram({
        name: 'bmcemu_tftp_transfer_duration_seconds',
        help: 'Duration of TFTP transfers.',
        buckets: TRANSFER_BUCKETS,
        registers,
      }),
      http: new Counter({
        name: 'bmcemu_http_requests_total',
        help: 'Boot-HTTP requests answered, by HTTP status.',
        labelNames: ['status'],
        registers,
      }),
      httpBytes: new Counter({
        name: 'bmcemu_http_sent_bytes_total',
        help: 'Bytes of body sent by the boot-HTTP server.',
        registers,
      }),
      httpSeconds: new Histogram({
        name: 'bmcemu_http_request_duration_seconds',
        help: 'Duration of boot-HTTP requests, first byte in to last byte out.',
        buckets: TRANSFER_BUCKETS,
        registers,
      }),
      media: new Counter({
        name: 'bmcemu_media_downloads_total',
        help: 'Virtual-media downloads finished per node, by result (ok, error, cached: nothing downloaded).',
        labelNames: ['result'],
        registers,
      }),
      mediaBytes: new Counter({
        name: 'bmcemu_media_download_bytes_total',
        help: 'Bytes of virtual-media images downloaded into the cache.',
        registers,
      }),
      power: new Counter({
        name: 'bmcemu_power_changes_total',
        help: 'Node power state changes seen, by the state reached.',
        labelNames: ['state'],
        registers,
      }),
      driverErrors: new Counter({
        name: 'bmcemu_driver_errors_total',
        help: 'Driver operations that failed (driver-error events), by operation and error code.',
        labelNames: ['op', 'code'],
        registers,
      }),
      driverSeconds: new Histogram({
        name: 'bmcemu_driver_operation_duration_seconds',
        help: 'Duration of NodeDriver operations, by operation and result.',
        labelNames: ['op', 'result'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
    };
    const bus = opts.bus;
    new Gauge({
      name: 'bmcemu_events_published',
      help: 'Events published on the rack event stream since start, by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const [kind, n] of Object.entries(bus.stats().byKind)) this.set({ kind }, n ?? 0);
      },
    });
    new Gauge({
      name: 'bmcemu_event_subscribers_dropped',
      help: 'Event subscribers dropped for falling behind, since start.',
      registers,
      collect() {
        this.set(bus.stats().droppedSubscribers);
      },
    });
    if (opts.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges `_total`, which promtool (rightly) flags: counters only.
      for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    }
    // A tap, not a subscriber: counting is O(1) and cannot block, and a subscriber's queue and delivery turn
    // cost more than the counting on every protocol answer (docs/events.md, "What publishing costs").
    this.subscription = bus.tap((e) => this.count(e));
  }

  /** Add a gauge whose samples are read from their owner on each scrape (sessions, leases, cache, power). */
  addGauge(source: GaugeSource): void {
    new Gauge({
      name: source.name,
      help: source.help,
      labelNames: source.labelNames ?? [],
      registers: [this.registry],
      async collect() {
        const samples = await source.read();
        this.reset();
        for (const s of samples) {
          if (s.labels) this.set(s.labels, s.value);
          else this.set(s.value);
        }
      },
    });
  }

  /** Add a counter whose value its owner keeps (e.g. the media cache's hits), read on each scrape. */
  addCounter(source: GaugeSource): void {
    new Counter({
      name: source.name,
      help: source.help,
      labelNames: source.labelNames ?? [],
      registers: [this.registry],
      async collect() {
        const samples = await source.read();
        this.reset();
        for (const s of samples) {
          if (s.labels) this.inc(s.labels, s.value);
          else this.inc(s.value);
        }
      },
    });
  }

  /** Time one driver operation (used by `instrumentDriver`; its failures are counted from their events). */
  observeDriver(op: string, seconds: number, errorCode?: string): void {
    this.m.driverSeconds.observe({ op, result: errorCode ? 'error' : 'ok' }, seconds);
  }

  /** The text exposition format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.subscription.close();
    this.registry.clear();
  }

  /** The path's route label and cells, remembered per path (paths repeat: a few routes times the nodes); bounded. */
  private route(path: string): RouteCells {
    let r = this.routes.get(path);
    if (r === undefined) {
      if (this.routes.size >= MAX_ROUTES_REMEMBERED) this.routes.clear();
      this.routes.set(path, (r = { route: routeLabel(path), cells: new Map() }));
    }
    return r;
  }

  /** Kept cells are forgotten when a metric was reset (its series are gone) or too many piled up. */
  private checkCells(): void {
    const gen = this.m.redfish.generation + this.m.redfishSeconds.generation + this.m.ipmi.generation;
    if (gen === this.cellsGeneration && this.ipmiCells.size < MAX_CELLS_REMEMBERED) return;
    this.cellsGeneration = gen;
    this.routes.clear();
    this.ipmiCells.clear();
    this.latencyByMethod.clear();
  }

  private countRedfish(e: Extract<RackEvent, { kind: 'redfish' }>): void {
    const m = this.m;
    const r = this.route(e.path);
    const label = () => ({ method: e.method, route: r.route, status: String(e.status) });
    const methodIndex = METHODS.indexOf(e.method);
    if (methodIndex < 0 || !Number.isInteger(e.status)) {
      m.redfish.inc(`${e.method} ${r.route} ${e.status}`, label);
    } else {
      const key = e.status * 16 + methodIndex;
      let cell = r.cells.get(key);
      if (cell === undefined) r.cells.set(key, (cell = m.redfish.cell(`${e.method} ${r.route} ${e.status}`, label)));
      cell.value++;
    }
    let latency = this.latencyByMethod.get(e.method);
    if (latency === undefined) {
      latency = m.redfishSeconds.cell(e.method, () => ({ method: e.method }));
      if (methodIndex >= 0) this.latencyByMethod.set(e.method, latency);
    }
    m.redfishSeconds.observeIn(latency, e.ms / 1000);
  }

  private countIpmi(e: Extract<RackEvent, { kind: 'ipmi' }>): void {
    const session = SESSIONS.indexOf(e.session);
    const bytes = (e.netFn | e.cmd | e.cc) >>> 8 === 0 && Number.isInteger(e.netFn + e.cmd + e.cc);
    const key = bytes && session >= 0 ? ((e.netFn << 16) | (e.cmd << 8) | e.cc) * 4 + session : -1;
    let cell = this.ipmiCells.get(key);
    if (cell === undefined) {
      cell = this.m.ipmi.cell(`${e.netFn} ${e.cmd} ${e.cc} ${e.session}`, () => ({
        netfn: hex(e.netFn),
        cmd: hex(e.cmd),
        cc: hex(e.cc),
        session: e.session,
      }));
      if (key >= 0) this.ipmiCells.set(key, cell);
    }
    cell.value++;
  }

  private count(e: RackEvent): void {
    const m = this.m;
    switch (e.kind) {
      case 'redfish':
        this.checkCells();
        this.countRedfish(e);
        break;
      case 'ipmi':
        this.checkCells();
        this.countIpmi(e);
        break;
      case 'dhcp':
        m.dhcp.inc({ message: e.message });
        break;
      case 'tftp':
        m.tftp.inc({ result: e.error ? 'error' : 'ok' });
        m.tftpBytes.inc(e.bytes);
        m.tftpSeconds.observe(e.ms / 1000);
        break;
      case 'http':
        m.http.inc({ status: String(e.status) });
        m.httpBytes.inc(e.bytes);
        m.httpSeconds.observe(e.ms / 1000);
        break;
      case 'media-download':
        if (e.done) {
          m.media.inc({ result: e.error ? 'error' : e.hit ? 'cached' : 'ok' });
          if (!e.error && !e.hit) m.mediaBytes.inc(e.bytes);
        }
        break;
      case 'power':
        m.power.inc({ state: e.state });
        break;
      case 'driver-error':
        m.driverErrors.inc({ op: e.op, code: e.code });
        break;
      default:
        break;
    }
  }
}
