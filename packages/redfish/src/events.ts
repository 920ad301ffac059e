/** EventService: turns node changes into Redfish events for subscribers (HTTP push) and SSE streams. */
import { randomBytes } from 'node:crypto';
import { BmcEmuError, ErrorCode, type Logger, type NodeEvent, type SelEntry } from '@bmc-emu/core';
import type { RedfishResponse } from './http-request.js';
import {
  type EventFacts,
  type FilterExpr,
  type SubscriptionFilter,
  evaluateEventFilter,
  subscriptionMatches,
} from './codec/event-filter.js';
import { uri } from './codec/uris.js';

export interface Subscription extends SubscriptionFilter {
  id: string;
  destination: string;
  context: string;
  protocol: 'Redfish';
  /** An SSE connection's own EventDestination (DSP0266: created on open, deleted on close). */
  sse?: boolean;
}

interface Stream {
  sub: Subscription;
  res: RedfishResponse;
  filter?: FilterExpr;
}

/** How often an idle SSE stream gets a `: keep-alive` comment (lets clients and proxies see the stream is alive). */
export const SSE_KEEPALIVE_MS = 15_000;

/** Every event bmc-emu emits is an Alert; older clients subscribe with ResourceUpdated/StatusChange. */
const LEGACY_EVENT_TYPES = new Set(['ResourceUpdated', 'StatusChange', 'ResourceAdded', 'ResourceRemoved']);

export interface RedfishEvent {
  '@odata.type': string;
  Id: string;
  Name: string;
  Context?: string;
  Events: Array<Record<string, unknown>>;
}

const EVENT_MESSAGES: Record<string, (e: NodeEvent) => [string, string]> = {
  power: (e) => ['ResourceEvent.1.3.ResourceChanged', `Power state of ${e.node?.name} is ${e.node?.powerState}.`],
  boot: (e) => [
    'ResourceEvent.1.3.ResourceChanged',
    `Boot override of ${e.node?.name} is ${e.node?.boot.target}/${e.node?.boot.enabled} (${e.node?.boot.mode}).`,
  ],
  media: (e) => [
    'ResourceEvent.1.3.ResourceChanged',
    `Virtual media of ${e.node?.name}: ${
      e.node?.media
        .filter((m) => m.inserted)
        .map((m) => `${m.slot}=${m.image}`)
        .join(', ') || 'none inserted'
    }.`,
  ],
  bios: (e) => ['ResourceEvent.1.3.ResourceChanged', `BIOS settings of ${e.node?.name} changed.`],
  secureBoot: (e) => ['ResourceEvent.1.3.ResourceChanged', `Secure boot of ${e.node?.name} changed.`],
  added: (e) => ['ResourceEvent.1.3.ResourceCreated', `Node ${e.node?.name} was added.`],
  removed: (e) => ['ResourceEvent.1.3.ResourceRemoved', `Node ${e.nodeId} was removed.`],
  changed: (e) => ['ResourceEvent.1.3.ResourceChanged', `Node ${e.node?.name} changed.`],
};

export class EventHub {
  private readonly subs = new Map<string, Subscription>();
  private readonly streams = new Map<string, Stream>();
  private next = 1;
  private eventId = 1;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly push: (url: string, body: string) => Promise<void> = defaultPush,
    private readonly keepAliveMs = SSE_KEEPALIVE_MS,
  ) {}

  subscribe(s: Omit<Subscription, 'id'>): Subscription {
    const sub = { ...s, id: String(this.next++) };
    this.subs.set(sub.id, sub);
    return sub;
  }

  get(id: string): Subscription | undefined {
    return this.subs.get(id) ?? this.streams.get(id)?.sub;
  }

  /** Push subscriptions and the EventDestinations of open SSE streams, in creation order. */
  list(): Subscription[] {
    return [...this.subs.values(), ...[...this.streams.values()].map((s) => s.sub)].sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
  }

  /** Delete a subscription; deleting an SSE stream's EventDestination closes that stream. */
  remove(id: string): boolean {
    const stream = this.streams.get(id);
    if (stream) {
      this.dropStream(id);
      stream.res.end();
      return true;
    }
    return this.subs.delete(id);
  }

  /**
   * An SSE client; with a parsed `$filter` it gets only the events the filter accepts. The stream is listed in
   * Subscriptions as an EventDestination (SubscriptionType SSE, a service-generated opaque Context) for as long
   * as the connection is open.
   */
  addStream(res: RedfishResponse, filter?: FilterExpr): Subscription {
    const sub: Subscription = {
      id: String(this.next++),
      destination: '',
      context: randomBytes(16).toString('hex'),
      protocol: 'Redfish',
      sse: true,
      eventTypes: [],
      registryPrefixes: [],
      messageIds: [],
      resourceTypes: [],
      originResources: [],
      subordinateResources: false,
    };
    this.streams.set(sub.id, { sub, res, filter });
    res.on('close', () => this.dropStream(sub.id));
    this.keepAlive ??= setInterval(() => {
      for (const s of this.streams.values()) s.res.write(': keep-alive\n\n');
    }, this.keepAliveMs).unref();
    return sub;
  }

  private dropStream(id: string): void {
    this.streams.delete(id);
    if (this.streams.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  closeStreams(): void {
    for (const [id, s] of [...this.streams]) {
      this.dropStream(id);
      s.res.end();
    }
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Build and deliver the Redfish event for a node change. */
  publish(e: NodeEvent): void {
    const make = EVENT_MESSAGES[e.type];
    if (!make) return;
    const [messageId, message] = make(e);
    const record = {
      EventType: 'Alert',
      EventId: String(this.eventId),
      EventTimestamp: new Date().toISOString(),
      Severity: 'OK',
      MessageSeverity: 'OK',
      MessageId: messageId,
      Message: message,
      MessageArgs: [],
      OriginOfCondition: { '@odata.id': uri.system(e.nodeId) },
      Oem: { BmcEmu: { Change: e.type, PowerState: e.node?.powerState ?? null } },
    };
    this.deliver(record, 'ComputerSystem');
  }

  /** A new SEL entry goes out as an event whose origin is the LogEntry (severity as the entry's). */
  publishLogEntry(nodeId: string, entry: SelEntry): void {
    const record = {
      EventType: 'Alert',
      EventId: String(this.eventId),
      EventTimestamp: new Date(entry.timestamp * 1000).toISOString(),
      Severity: entry.severity,
      MessageSeverity: entry.severity,
      MessageId: 'ResourceEvent.1.3.ResourceCreated',
      Message: entry.message,
      MessageArgs: [],
      OriginOfCondition: { '@odata.id': `${uri.manager(nodeId)}/LogServices/SEL/Entries/${entry.id}` },
      Oem: { BmcEmu: { Change: 'sel', SelKind: entry.kind } },
    };
    this.deliver(record, 'LogEntry');
  }

  private deliver(
    record: Record<string, unknown> & {
      EventType: string;
      MessageId: string;
      OriginOfCondition: { '@odata.id': string };
    },
    resourceType: string,
  ): void {
    const messageId = record.MessageId;
    const id = String(this.eventId++);
    const event: RedfishEvent = {
      '@odata.type': '#Event.v1_8_0.Event',
      Id: id,
      Name: 'bmc-emu event',
      Events: [record],
    };
    const facts: EventFacts = {
      eventType: record.EventType,
      messageId,
      originResource: record.OriginOfCondition['@odata.id'],
      resourceType,
      eventFormatType: 'Event',
    };
    const line = `id: ${id}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const { res, filter } of this.streams.values()) {
      if (!filter || evaluateEventFilter(filter, facts)) res.write(line);
    }
    for (const sub of this.subs.values()) {
      const eventTypes = sub.eventTypes.map((t) => (LEGACY_EVENT_TYPES.has(t) ? 'Alert' : t));
      if (!subscriptionMatches({ ...sub, eventTypes }, facts)) continue;
      const body = JSON.stringify({ ...event, Context: sub.context });
      this.push(sub.destination, body).catch((err: unknown) =>
        this.logger.warn({ subscription: sub.id, err: (err as Error).message }, 'event delivery failed'),
      );
    }
  }
}

async function defaultPush(url: string, body: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  if (!res.ok)
    throw new BmcEmuError(ErrorCode.Internal, `destination answered ${res.status}`, { url, status: res.status });
}
