import type { EventBus, NodeDriver } from '@bmc-emu/core';
import { type DownloadView, downloadView } from './download-view.js';

/**
 * `bmc-emu serve` shows every virtual-media download on stdout from the `media-download` events: a bar each
 * on a TTY, plain lines otherwise. Returns the function that stops it.
 */
export function showMediaDownloads(
  bus: EventBus,
  driver: NodeDriver,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  view: DownloadView = downloadView({ out }),
): () => void {
  const names = new Map<string, string>();
  const remember = () =>
    driver.list().then(
      (nodes) => nodes.forEach((n) => names.set(n.id, n.name)),
      () => undefined,
    );
  void remember();
  const unwatch = driver.watch((e) => {
    if (e.type === 'added' && e.node) names.set(e.node.id, e.node.name);
  });
  const sub = bus.subscribe(
    (e) => {
      if (e.kind !== 'media-download') return;
      const key = `${e.node ?? ''} ${e.url}`;
      const label = `${e.node ? (names.get(e.node) ?? e.node.slice(0, 8)) : '-'} ${e.url}`;
      if (!e.done) view.update(key, label, { done: e.bytes, total: e.total, unit: 'bytes' });
      else if (e.error) view.finish(key, { ok: false, error: e.error });
      else view.finish(key, { ok: true, size: e.bytes });
    },
    { filter: (e) => e.kind === 'media-download', maxQueue: 100_000 },
  );
  return () => {
    sub.close();
    unwatch();
    view.stop();
  };
}
