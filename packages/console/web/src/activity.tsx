/**
 * Long work under way across the rack, from the event stream: media downloads (a bar each, by node and URL)
 * and lab steps (started, not yet done or failed). Finished work drops out after a short while.
 */
import { bytes } from './format';
import { hrefLabs, hrefNode } from './route';
import type { RackStore } from './store';
import type { RackEvent } from './types';

const KEEP_DONE_MS = 10_000;

interface Download {
  node: string;
  url: string;
  last: RackEvent;
}

export function activityOf(events: RackEvent[], now: number): { downloads: Download[]; steps: RackEvent[] } {
  const downloads = new Map<string, Download>();
  const steps = new Map<string, RackEvent>();
  for (const e of events) {
    if (e.kind === 'media-download') {
      const key = `${e.node ?? ''} ${String(e.url)}`;
      downloads.set(key, { node: e.node ?? '', url: String(e.url), last: e });
    } else if (e.kind === 'lab') {
      steps.set(`${String(e.lab)} ${String(e.index)}`, e);
    }
  }
  const recent = (e: RackEvent, running: boolean) => running || now - e.time < KEEP_DONE_MS;
  return {
    downloads: [...downloads.values()].filter((d) => recent(d.last, !d.last.done)),
    steps: [...steps.values()].filter((s) => recent(s, s.state === 'start')),
  };
}

export function Activity({ store }: { store: RackStore }) {
  const { downloads, steps } = activityOf(store.events, Date.now());
  if (!downloads.length && !steps.length) return null;
  return (
    <section class="card activity" aria-labelledby="activity-h">
      <h2 id="activity-h">Under way</h2>
      <ul class="plain">
        {downloads.map((d) => {
          const total = (d.last.total as number | undefined) ?? 0;
          const got = d.last.bytes as number;
          const pct = d.last.error ? 0 : d.last.done ? 100 : total ? Math.floor((got / total) * 100) : 0;
          const name = store.nodes.get(d.node)?.name ?? d.node.slice(0, 8);
          const id = `dl-${d.last.seq}`;
          return (
            <li key={`${d.node} ${d.url}`} data-activity="media-download">
              <label for={id}>
                <a href={hrefNode(d.node)}>{name}</a> <code class="wrap">{d.url}</code>{' '}
                {d.last.error
                  ? `failed: ${String(d.last.error)}`
                  : d.last.done
                    ? 'done'
                    : `${bytes(got)}${total ? ` of ${bytes(total)}` : ''}`}
              </label>
              <progress id={id} max={100} value={pct} aria-valuetext={`${pct}%`} />
            </li>
          );
        })}
        {steps.map((s) => (
          <li key={`${String(s.lab)} ${String(s.index)}`} data-activity="lab" data-state={String(s.state)}>
            <a href={hrefLabs()}>lab {String(s.lab)}</a>{' '}
            {Number(s.index) > 0 ? `step ${String(s.index)}/${String(s.total)}` : ''} <strong>{String(s.step)}</strong>:{' '}
            {s.state === 'start' ? 'running' : String(s.state)}
            {s.detail ? ` (${String(s.detail)})` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}
