import { useState } from 'preact/hooks';
import { nodeAction } from '../api';
import { useStore } from '../app';
import { bytes, clock, summary } from '../format';
import { hrefSerial, hrefTimeline } from '../route';
import type { RackStore } from '../store';
import { BOOT_TARGETS, MEDIA_SLOTS, type NodeView, POWER_ACTIONS, type RackEvent, type User } from '../types';
import { bootText, Copyable, PowerBadge } from '../widgets';

const POWER_LABEL: Record<(typeof POWER_ACTIONS)[number], string> = {
  On: 'Power On',
  GracefulShutdown: 'Shut down',
  ForceOff: 'Force off',
  GracefulRestart: 'Restart',
  ForceRestart: 'Force restart',
};

/** Runs one action, shows its error (if any) where the user is looking. */
function useAction(store: RackStore, id: string) {
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const run = async (what: string, body: unknown) => {
    setBusy(what);
    setError('');
    try {
      const view = await nodeAction(id, what, body);
      if (view && (view as NodeView).id) store.update(view as NodeView);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy('');
    }
  };
  return { busy, error, run };
}

function MediaProgress({ events }: { events: RackEvent[] }) {
  const last = events.findLast((e) => e.kind === 'media-download');
  if (!last) return null;
  const total = (last.total as number | undefined) ?? 0;
  const got = last.bytes as number;
  const pct = last.error ? 0 : last.done ? 100 : total ? Math.floor((got / total) * 100) : 0;
  return (
    <div class="progress" data-state={last.error ? 'failed' : last.done ? 'done' : 'running'}>
      <label for="media-progress">
        {last.error
          ? `Download failed: ${String(last.error)}`
          : last.done
            ? `Downloaded ${bytes(got)}`
            : `Downloading ${bytes(got)}${total ? ` of ${bytes(total)}` : ''}`}
      </label>
      <progress id="media-progress" max={100} value={pct} aria-valuetext={`${pct}%`}>
        {pct}%
      </progress>
      <span class="pct">{pct}%</span>
    </div>
  );
}

export function NodePage({ store, id, user }: { store: RackStore; id: string; user: User }) {
  useStore(store);
  const node = store.nodes.get(id);
  const { busy, error, run } = useAction(store, id);
  const [target, setTarget] = useState('Pxe');
  const [persistent, setPersistent] = useState(false);
  const [slot, setSlot] = useState('Cd');
  const [image, setImage] = useState('');
  const [biosKey, setBiosKey] = useState('');
  const [biosValue, setBiosValue] = useState('');
  if (!node) return <p>{store.nodes.size ? 'No such node.' : 'Loading...'}</p>;
  const events = store.events.filter((e) => e.node === node.id);
  const act = user.canAct;
  const biosKeys = Object.keys(node.bios.attributes);
  return (
    <article aria-labelledby="node-title">
      <div class="page-head">
        <h1 id="node-title">{node.name}</h1>
        <PowerBadge state={node.powerState} />
        <a href={hrefSerial(node.id)}>Serial console</a>
        <a href={hrefTimeline(node.id)}>Timeline</a>
      </div>
      {!act && (
        <p class="note" role="note">
          Read-only: the {user.role} role may look but not act.
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="grid">
        <section class="card" aria-labelledby="power-h">
          <h2 id="power-h">Power</h2>
          <p>
            State: <strong data-testid="power-state">{node.powerState}</strong>
          </p>
          {act && (
            <div class="buttons">
              {POWER_ACTIONS.map((a) => (
                <button
                  type="button"
                  key={a}
                  disabled={!!busy}
                  class={a.startsWith('Force') ? 'danger' : ''}
                  onClick={() => void run('power', { action: a })}
                >
                  {POWER_LABEL[a]}
                </button>
              ))}
            </div>
          )}
        </section>

        <section class="card" aria-labelledby="boot-h">
          <h2 id="boot-h">Boot override</h2>
          <p>
            Now: <strong data-testid="boot-override">{bootText(node.boot)}</strong>
          </p>
          {node.lastBoot && (
            <p class="muted">
              Last boot: {node.lastBoot.target} ({node.lastBoot.mode}) at {new Date(node.lastBoot.at).toLocaleString()}
            </p>
          )}
          {act && (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                void run('boot', {
                  target,
                  enabled: target === 'None' ? 'Disabled' : persistent ? 'Continuous' : 'Once',
                });
              }}
            >
              <label>
                Device
                <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
                  {BOOT_TARGETS.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </label>
              <label class="check">
                <input type="checkbox" checked={persistent} onChange={(e) => setPersistent(e.currentTarget.checked)} />
                Persistent
              </label>
              <button type="submit" disabled={!!busy}>
                Set boot device
              </button>
            </form>
          )}
        </section>

        <section class="card" aria-labelledby="media-h">
          <h2 id="media-h">Virtual media</h2>
          <ul class="plain">
            {node.media.map((m) => (
              <li key={m.slot} data-slot={m.slot}>
                <strong>{m.slot}</strong>: {m.inserted ? <code class="wrap">{m.image}</code> : 'empty'}
                {act && m.inserted && (
                  <button
                    type="button"
                    class="small"
                    disabled={!!busy}
                    onClick={() => void run('eject', { slot: m.slot })}
                  >
                    Eject {m.slot}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {act && (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                void run('media', { slot, image });
              }}
            >
              <label>
                Slot
                <select value={slot} onChange={(e) => setSlot(e.currentTarget.value)}>
                  {MEDIA_SLOTS.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </label>
              <label class="grow">
                Image URL
                <input
                  type="url"
                  required
                  value={image}
                  placeholder="https://example.test/boot.iso"
                  onInput={(e) => setImage(e.currentTarget.value)}
                />
              </label>
              <button type="submit" disabled={!!busy}>
                Insert
              </button>
            </form>
          )}
          <MediaProgress events={events} />
        </section>

        <section class="card" aria-labelledby="bios-h">
          <h2 id="bios-h">BIOS</h2>
          <table class="kv">
            <thead>
              <tr>
                <th scope="col">Attribute</th>
                <th scope="col">Current</th>
                <th scope="col">Pending</th>
              </tr>
            </thead>
            <tbody>
              {biosKeys.map((k) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{String(node.bios.attributes[k])}</td>
                  <td>{k in node.bios.pending ? <strong>{String(node.bios.pending[k])}</strong> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {act && (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                if (biosKey) void run('bios', { attributes: { [biosKey]: biosValue } });
              }}
            >
              <label>
                Attribute
                <select value={biosKey} onChange={(e) => setBiosKey(e.currentTarget.value)} required>
                  <option value="">choose</option>
                  {biosKeys.map((k) => (
                    <option key={k}>{k}</option>
                  ))}
                </select>
              </label>
              <label class="grow">
                New value
                <input value={biosValue} onInput={(e) => setBiosValue(e.currentTarget.value)} required />
              </label>
              <button type="submit" disabled={!!busy}>
                Stage
              </button>
            </form>
          )}
          <p class="muted">Pending settings apply at the next power-on or reset.</p>
        </section>

        <section class="card" aria-labelledby="details-h">
          <h2 id="details-h">Details</h2>
          <dl class="details">
            <dt>UUID</dt>
            <dd>
              <code>{node.id}</code>
            </dd>
            <dt>CPU</dt>
            <dd>
              {node.cpu.count} x {node.cpu.model} ({node.cpu.arch})
            </dd>
            <dt>Memory</dt>
            <dd>{node.memoryMiB} MiB</dd>
            <dt>Firmware</dt>
            <dd>
              {node.firmware.toUpperCase()}, Secure Boot {node.secureBoot.enabled ? 'on' : 'off'}
            </dd>
            <dt>Disks</dt>
            <dd>{node.disks.map((d) => `${d.target} ${bytes(d.sizeBytes)} (${d.bus})`).join(', ') || 'none'}</dd>
            <dt>NICs</dt>
            <dd>
              {node.nics.map((n) => (
                <div key={n.mac}>
                  <code>{n.mac}</code> {n.network ?? ''} {n.ip ?? ''}
                </div>
              ))}
            </dd>
            <dt>System</dt>
            <dd>
              {node.manufacturer} {node.model}, serial {node.serialNumber}
            </dd>
            <dt>Source</dt>
            <dd>{node.source}</dd>
          </dl>
          <h3>BMC endpoints</h3>
          <ul class="plain">
            {node.endpoints.ipmi && (
              <li>
                <Copyable text={node.endpoints.ipmi} label="IPMI address" />
              </li>
            )}
            {node.endpoints.redfish && (
              <li>
                <Copyable text={node.endpoints.redfish} label="Redfish address" />
              </li>
            )}
          </ul>
        </section>

        <section class="card wide" aria-labelledby="recent-h">
          <h2 id="recent-h">Recent events</h2>
          <ol class="events" reversed>
            {events
              .slice(-20)
              .reverse()
              .map((e) => (
                <li key={e.seq} data-kind={e.kind}>
                  <time>{clock(e.time)}</time> <span class="kind">{e.kind}</span> {summary(e)}
                </li>
              ))}
          </ol>
        </section>
      </div>
    </article>
  );
}
