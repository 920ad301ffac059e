import { useStore } from '../app';
import { clock, summary } from '../format';
import { hrefNode, hrefTimeline } from '../route';
import type { RackStore } from '../store';
import { EVENT_KINDS } from '../types';

const SHOWN = 500;

/** The event stream, newest first, filterable by node and protocol; each row says how long after the one before it. */
export function TimelinePage({ store, node, kind }: { store: RackStore; node: string; kind: string }) {
  useStore(store);
  const matches = store.events.filter((e) => (!node || e.node === node) && (!kind || e.kind === kind));
  const shown = matches.slice(-SHOWN);
  const nameOf = (id: string | undefined) => (id ? (store.nodes.get(id)?.name ?? id.slice(0, 8)) : '');
  const go = (n: string, k: string) => (location.hash = hrefTimeline(n, k));
  return (
    <section aria-labelledby="tl-title">
      <div class="page-head">
        <h1 id="tl-title">Timeline</h1>
        <label class="inline">
          Node
          <select value={node} onChange={(e) => go(e.currentTarget.value, kind)}>
            <option value="">all nodes</option>
            {store.order.map((id) => (
              <option key={id} value={id}>
                {nameOf(id)}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          Protocol
          <select value={kind} onChange={(e) => go(node, e.currentTarget.value)}>
            <option value="">all</option>
            {EVENT_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <p class="muted" aria-live="polite">
          {matches.length} events{matches.length > SHOWN ? `, newest ${SHOWN} shown` : ''}
        </p>
      </div>
      <div class="table-wrap">
        <table class="timeline">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">+ms</th>
              <th scope="col">Node</th>
              <th scope="col">Kind</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {shown
              .map((e, i) => ({ e, delta: i > 0 ? e.time - shown[i - 1]!.time : undefined }))
              .reverse()
              .map(({ e, delta }) => (
                <tr key={e.seq} data-kind={e.kind}>
                  <td>
                    <time dateTime={new Date(e.time).toISOString()}>{clock(e.time)}</time>
                  </td>
                  <td class="num">{delta === undefined ? '' : `+${delta}`}</td>
                  <td>{e.node ? <a href={hrefNode(e.node)}>{nameOf(e.node)}</a> : ''}</td>
                  <td>
                    <span class={`kind k-${e.kind}`}>{e.kind}</span>
                  </td>
                  <td class="wrap">{summary(e)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
