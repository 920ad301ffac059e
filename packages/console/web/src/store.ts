/**
 * The rack as the browser knows it: nodes by id and the recent events, kept current by one EventSource.
 * Changes are announced at most once per animation frame, so a burst of events costs one render.
 */
import { api } from './api';
import type { LabRecord, NodeView, RackEvent } from './types';

const MAX_EVENTS = 5_000;
/** A burst of lab steps costs one re-read of the labs. */
const LABS_REFRESH_MS = 150;

export class RackStore {
  nodes = new Map<string, NodeView>();
  order: string[] = [];
  events: RackEvent[] = [];
  connected = false;
  version = 0;
  /** undefined until the Lab page first asked for them; then kept current by `lab` events. */
  labs: LabRecord[] | undefined;
  labsError = '';
  private labsTimer: ReturnType<typeof setTimeout> | undefined;
  private source: EventSource | undefined;
  private listeners = new Set<() => void>();
  private frame = 0;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.version++;
      for (const fn of this.listeners) fn();
    });
  }

  async start(): Promise<void> {
    const { nodes } = await api<{ nodes: NodeView[] }>('nodes');
    performance.mark('console:nodes-loaded');
    this.nodes = new Map(nodes.map((n) => [n.id, n]));
    this.order = nodes.map((n) => n.id);
    this.changed();
    const es = new EventSource('/console/api/events');
    this.source = es;
    es.addEventListener('open', () => {
      this.connected = true;
      this.changed();
    });
    es.addEventListener('error', () => {
      this.connected = false;
      this.changed();
    });
    es.addEventListener('history', (m) => {
      const list = JSON.parse((m as MessageEvent<string>).data) as RackEvent[];
      const last = this.events.at(-1)?.seq ?? 0;
      this.push(list.filter((e) => e.seq > last));
    });
    es.addEventListener('rack', (m) => this.push([JSON.parse((m as MessageEvent<string>).data) as RackEvent]));
    es.addEventListener('node', (m) => {
      const n = JSON.parse((m as MessageEvent<string>).data) as NodeView;
      if (n.removed) {
        this.nodes.delete(n.id);
        this.order = this.order.filter((id) => id !== n.id);
      } else {
        if (!this.nodes.has(n.id)) this.order = [...this.order, n.id];
        this.nodes.set(n.id, n);
      }
      this.changed();
    });
  }

  /** A node as an action answered it (the stream will say the same a moment later). */
  update(n: NodeView): void {
    this.nodes.set(n.id, n);
    this.changed();
  }

  /** Read the labs now (the Lab page's first paint), then again after each burst of `lab` events. */
  async loadLabs(): Promise<void> {
    try {
      const { labs } = await api<{ labs: LabRecord[] }>('labs');
      this.labs = labs;
      this.labsError = '';
    } catch (err) {
      this.labsError = (err as Error).message;
    }
    this.changed();
  }

  private refreshLabsSoon(): void {
    if (this.labs === undefined || this.labsTimer) return;
    this.labsTimer = setTimeout(() => {
      this.labsTimer = undefined;
      void this.loadLabs();
    }, LABS_REFRESH_MS);
  }

  private push(list: RackEvent[]): void {
    if (!list.length) return;
    if (list.some((e) => e.kind === 'lab')) this.refreshLabsSoon();
    this.events = this.events.concat(list);
    if (this.events.length > MAX_EVENTS) this.events = this.events.slice(-MAX_EVENTS);
    this.changed();
  }

  stop(): void {
    clearTimeout(this.labsTimer);
    this.source?.close();
    this.source = undefined;
    this.listeners.clear();
  }
}
