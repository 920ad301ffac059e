/**
 * Counters and histograms for the event path, kept in plain Maps keyed by a string the caller builds from
 * its label values. prom-client hashes and validates the label object on every `inc`/`observe`, which was
 * most of what a Redfish event cost the metrics reader; here the label object is built once per series and
 * the exposition is produced at scrape time. Each registers in a prom-client Registry through `get()`, the
 * shape prom-client's own metrics report.
 */
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface Exposed {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

abstract class KeyedMetric<S> {
  protected readonly series = new Map<string, S>();
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // structurally a prom-client metric: the registry calls get() on each scrape
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series for `key`, created with `labels()` the first time. */
  protected at(key: string, labels: () => Labels, create: (labels: Labels) => S): S {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = create(labels())));
    return s;
  }

  /** Bumped by reset(): a caller keeping cells drops them when it changes. */
  generation = 0;

  reset(): void {
    this.series.clear();
    this.generation++;
  }

  abstract get(): Promise<Exposed>;
}

export class KeyedCounter extends KeyedMetric<{ labels: Labels; value: number }> {
  readonly type = 'counter';

  inc(key: string, labels: () => Labels, by = 1): void {
    this.cell(key, labels).value += by;
  }

  /** The series for `key` itself, for a caller that keeps it and adds to `value` directly. */
  cell(key: string, labels: () => Labels): { value: number } {
    return this.at(key, labels, (l) => ({ labels: l, value: 0 }));
  }

  get(): Promise<Exposed> {
    const values = [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
    return Promise.resolve({ name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' });
  }
}

export interface HistogramSeries {
  labels: Labels;
  /** Per bucket (not cumulative), the last one +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export class KeyedHistogram extends KeyedMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    registry: Registry,
    private readonly buckets: readonly number[],
  ) {
    super(name, help, registry);
  }

  observe(key: string, labels: () => Labels, value: number): void {
    this.observeIn(this.cell(key, labels), value);
  }

  /** The series for `key` itself, for a caller that keeps it (and passes it to `observeIn`). */
  cell(key: string, labels: () => Labels): HistogramSeries {
    return this.at(key, labels, (l) => ({
      labels: l,
      counts: new Array<number>(this.buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
    }));
  }

  observeIn(s: HistogramSeries, value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  get(): Promise<Exposed> {
    const values: Sample[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        acc += s.counts[i]!;
        const le = i < this.buckets.length ? String(this.buckets[i]) : '+Inf';
        values.push({ labels: { le, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
  }
}
