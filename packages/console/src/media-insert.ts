/**
 * Insert media from the console: the download goes through the Redfish image cache (shared with InsertMedia
 * and boot HTTP) and its progress is published on the bus as `media-download` events by `fetchPublished`,
 * as for InsertMedia, which the node page draws as a bar. The request answers 202 at once; the end (done,
 * or failed with the error) is an event too.
 */
import {
  errors,
  type EventBus,
  fetchPublished,
  type MediaFetchResult,
  type MediaSlot,
  type NodeDriver,
} from '@bmc-emu/core';
import { type ImageCache, isIso9660 } from '@bmc-emu/redfish';

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
    // the same media-download story as Redfish InsertMedia tells (fetchPublished), so the console's bars, the
    // event stream and /metrics agree; it is done once the image is checked and attached
    const attach = async (got: MediaFetchResult): Promise<void> => {
      if (slot === 'Cd' && !(await isIso9660(got.path))) {
        throw errors.media(`${image} is not an ISO 9660 image; a raw disk image belongs in the UsbStick slot.`);
      }
      await this.driver.insertMedia(node.id, slot, { kind: 'path', path: got.path, image });
    };
    void fetchPublished(cache, this.bus, image, {
      node: node.id,
      slot,
      signal: controller.signal,
      beforeDone: attach,
    })
      .catch(() => undefined) // its `failed` event says what went wrong
      .finally(() => this.running.delete(key));
  }

  close(): void {
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }
}
