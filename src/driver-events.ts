import type { EventBus, MediaSlot, Node, NodeDriver, NodeEvent } from '@bmc-emu/core';

/**
 * Until every front end publishes its own events, the driver's change notifications go onto the bus here:
 * power, boot override, media (one event per slot that changed) and node added/removed/changed. Returns the
 * unsubscribe function.
 */
export function bridgeDriverEvents(driver: NodeDriver, bus: EventBus): () => void {
  const lastMedia = new Map<string, Map<MediaSlot, string>>();
  const mediaKey = (m: Node['media'][number]) => (m.inserted ? `in:${m.image ?? ''}` : 'out');
  const remember = (n: Node) => lastMedia.set(n.id, new Map(n.media.map((m) => [m.slot, mediaKey(m)])));
  void driver.list().then(
    (nodes) => nodes.forEach(remember),
    () => undefined,
  );
  return driver.watch((e: NodeEvent) => {
    const n = e.node;
    switch (e.type) {
      case 'power':
        if (n) bus.publish({ kind: 'power', node: n.id, state: n.powerState, by: { via: 'driver' } });
        break;
      case 'boot':
        if (n) bus.publish({ kind: 'boot', node: n.id, boot: n.boot, by: { via: 'driver' } });
        break;
      case 'media': {
        if (!n) break;
        const before = lastMedia.get(n.id);
        for (const m of n.media) {
          if (before?.get(m.slot) === mediaKey(m)) continue;
          bus.publish({
            kind: 'media',
            node: n.id,
            slot: m.slot,
            inserted: m.inserted,
            ...(m.image ? { image: m.image } : {}),
            by: { via: 'driver' },
          });
        }
        remember(n);
        break;
      }
      case 'added':
        if (n) remember(n);
        bus.publish({ kind: 'node', node: e.nodeId, change: 'added' });
        break;
      case 'removed':
        lastMedia.delete(e.nodeId);
        bus.publish({ kind: 'node', node: e.nodeId, change: 'removed' });
        break;
      default:
        bus.publish({ kind: 'node', node: e.nodeId, change: 'changed' });
    }
  });
}
