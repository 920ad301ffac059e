import { memo } from 'preact/compat';
import { useEffect, useState } from 'preact/hooks';
import { Activity } from '../activity';
import { useStore } from '../app';
import { hrefNode } from '../route';
import type { RackStore } from '../store';
import type { NodeView } from '../types';
import { bootText, Copyable, mediaText, PowerBadge } from '../widgets';

/** One row; re-rendered only when its node object changed (the store replaces changed nodes only). */
const RackRow = memo(function RackRow({ node }: { node: NodeView }) {
  return (
    <tr data-node={node.name}>
      <th scope="row">
        <a href={hrefNode(node.id)}>{node.name}</a>
      </th>
      <td data-label="Power">
        <PowerBadge state={node.powerState} />
      </td>
      <td data-label="Boot override">{bootText(node.boot)}</td>
      <td data-label="Media" class="wrap">
        {mediaText(node)}
      </td>
      <td data-label="NICs">
        <ul class="plain">
          {node.nics.map((n) => (
            <li key={n.mac}>
              <code>{n.mac}</code>
              {n.ip ? <span class="ip"> {n.ip}</span> : null}
            </li>
          ))}
        </ul>
      </td>
      <td data-label="BMC">
        <ul class="plain">
          {node.endpoints.ipmi && (
            <li>
              <Copyable text={node.endpoints.ipmi} label={`IPMI address of ${node.name}`} />
            </li>
          )}
          {node.endpoints.redfish && (
            <li>
              <Copyable text={node.endpoints.redfish} label={`Redfish address of ${node.name}`} />
            </li>
          )}
        </ul>
      </td>
    </tr>
  );
});

export function RackPage({ store }: { store: RackStore }) {
  useStore(store);
  const [filter, setFilter] = useState('');
  const f = filter.trim().toLowerCase();
  const nodes = store.order
    .map((id) => store.nodes.get(id))
    .filter(
      (n): n is NodeView => !!n && (!f || n.name.toLowerCase().includes(f) || n.nics.some((x) => x.mac.includes(f))),
    );
  const on = nodes.filter((n) => n.powerState === 'On').length;
  const painted = nodes.length > 0;
  useEffect(() => {
    // for the benchmark: when the first full rack reached the DOM
    if (painted && !performance.getEntriesByName('console:rack-rendered').length)
      performance.mark('console:rack-rendered');
  }, [painted]);
  return (
    <section aria-labelledby="rack-title">
      <div class="page-head">
        <h1 id="rack-title">Rack</h1>
        <p class="muted" aria-live="polite">
          {store.nodes.size} nodes, {on} powered on
        </p>
        <label class="inline">
          Filter
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            placeholder="name or MAC"
          />
        </label>
      </div>
      <Activity store={store} />
      <div class="table-wrap">
        <table class="rack">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Power</th>
              <th scope="col">Boot override</th>
              <th scope="col">Media</th>
              <th scope="col">MACs / IPs</th>
              <th scope="col">BMC endpoints</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <RackRow key={n.id} node={n} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
