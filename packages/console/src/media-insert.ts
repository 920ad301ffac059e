/**
 * Insert media from the console: the download goes through the Redfish image cache (shared with InsertMedia
 * and boot HTTP) and its progress is published on the bus as `media-download` events, which the node page
 * draws as a bar. The request answers 202 at once; the end (done, or an error) is an event too.
 */
import { errors, type EventBus, type MediaSlot, type NodeDriver } from '@bmc-emu/core';
import { type ImageCache, isIso9660 } from '@bmc-emu/redfish';

/**
 * At most one progress event per whole percent (about 100 per download), or one every 2 s when the size is
 * unknown: a long download must not push the node's other events out of its ring.
 */
const UNKNOWN_SIZE_EVERY_MS = 2_000;

export class ConsoleMediaInserter {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly driver: NodeDriver,
    private readonly bus: EventBus,
    private readonly cache: ImageCache | undefined,
  ) {}

  /** Checks what can be checked now (throws), then downloads and attaches in the background. */
  async start(nodeId: string, slot: MediaSlot, image: string): Promise<void> {
    const cache = this.cache;
    if (!cache) throw errors.unsupported('Virtual media needs the image cache, which is not configured.');
    const node = await this.driver.get(nodeId);
    const m = node.media.find((x) => x.slot === slot);
    if (!m) throw errors.unsupported(`Node ${node.name} has no ${slot} slot.`);
    if (m.inserted) throw errors.conflict(`The ${slot} slot of ${node.name} holds ${m.image}; eject it first.`);
    const key = `${node.id}/${slot}`;
    if (this.running.has(key)) throw errors.conflict(`An insert into the ${slot} slot of ${node.name} is under way.`);
    const controller = new AbortController();
    this.running.set(key, controller);
    const publish = (bytes: number, total: number | undefined, done: boolean, error?: string) =>
      this.bus.publish({
        kind: 'media-download',
        node: node.id,
        url: image,
        bytes,
        ...(total !== undefined ? { total } : {}),
        done,
        ...(error ? { error } : {}),
      });
    publish(0, undefined, false);
    let lastPct = 0;
    let lastAt = Date.now();
    void (async () => {
      try {
        const got = await cache.fetch(image, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.total) {
              const pct = Math.floor((p.received / p.total) * 100);
              if (pct <= lastPct || pct >= 100) return;
              lastPct = pct;
            } else {
              const now = Date.now();
              if (now - lastAt < UNKNOWN_SIZE_EVERY_MS) return;
              lastAt = now;
            }
            publish(p.received, p.total, false);
          },
        });
        if (slot === 'Cd' && !(await isIso9660(got.path))) {
          throw errors.media(`${image} is not an ISO 9660 image; a raw disk image belongs in the UsbStick slot.`);
        }
        await this.driver.insertMedia(node.id, slot, { kind: 'path', path: got.path, image });
        publish(got.size, got.size, true);
      } catch (err) {
        publish(0, undefined, true, (err as Error).message ?? String(err));
      } finally {
        this.running.delete(key);
      }
    })();
  }

  close(): void {
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }
}
