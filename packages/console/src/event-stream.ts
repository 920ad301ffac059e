/**
 * The console's live stream (Server-Sent Events): the bus's history for the first paint, then every event
 * as it is published, plus a fresh node snapshot whenever a node changed. A reader that falls behind by more
 * than the bus lets it is dropped (the browser reconnects with Last-Event-ID and gets what it missed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EventBus, eventJson, type RackEvent, type RackEventKind } from '@bmc-emu/core';
import type { NodeView } from './node-view.js';

const HEARTBEAT_MS = 15_000;
const HISTORY_LIMIT = 2_000;
/** Node-changing kinds: after one, the node's snapshot is sent. */
export const NODE_KINDS: ReadonlySet<RackEventKind> = new Set(['power', 'boot', 'media', 'node']);

export interface StreamDeps {
  bus: EventBus;
  /** A node's current view (undefined once removed). */
  view(id: string): Promise<NodeView | undefined>;
}

function frame(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly deps: StreamDeps) {}

  get count(): number {
    return this.open.size;
  }

  serve(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const { bus } = this.deps;
    const node = query.get('node') || undefined;
    const lastId = Number(req.headers['last-event-id'] ?? query.get('afterSeq') ?? 0);
    const afterSeq = Number.isSafeInteger(lastId) && lastId > 0 ? lastId : 0;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const history = bus.history({ ...(node ? { node } : {}), afterSeq, limit: HISTORY_LIMIT });
    res.write(`retry: 2000\n${frame('history', history, history.at(-1)?.seq ?? bus.lastSeq)}`);

    const pendingViews = new Set<string>();
    let flushing = false;
    const flushViews = async (): Promise<void> => {
      flushing = true;
      while (pendingViews.size && !res.writableEnded) {
        const ids = [...pendingViews];
        pendingViews.clear();
        for (const id of ids) {
          const view = await this.deps.view(id).catch(() => undefined);
          if (res.writableEnded) break;
          res.write(frame('node', view ?? { id, removed: true }));
        }
      }
      flushing = false;
    };

    const sub = bus.subscribe(
      (e: RackEvent) => {
        if (res.writableEnded) return;
        if (NODE_KINDS.has(e.kind) && e.node) {
          pendingViews.add(e.node);
          if (!flushing) void flushViews();
        }
        // eventJson: encoded once for every open stream (and faster than JSON.stringify for the hot kinds)
        return res.write(`id: ${e.seq}\nevent: rack\ndata: ${eventJson(e)}\n\n`);
      },
      {
        ...(node ? { filter: (e: RackEvent) => e.node === node } : {}),
        maxQueue: 5_000,
        onDrop: () => res.end(),
      },
    );
    res.on('drain', () => sub.resume());
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    beat.unref();
    this.open.add(res);
    const done = () => {
      clearInterval(beat);
      sub.close();
      this.open.delete(res);
    };
    res.on('close', done);
    req.on('close', done);
  }

  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
