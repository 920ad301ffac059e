/**
 * The Lab page: every lab `bmc-emu lab up|down` told this serve about, with its settings, its nodes by role
 * (linked to their node pages when the rack serves them) and the live step list of its last run.
 * Nothing here acts, so every role sees the same page.
 */
import { useEffect } from 'preact/hooks';
import { useStore } from '../app';
import { clock } from '../format';
import { duration, runSummary } from '../lab-run';
import { hrefNode } from '../route';
import type { RackStore } from '../store';
import type { LabNode, LabRecord, LabRun, NodeView } from '../types';
import { bootText, Copyable, PowerBadge } from '../widgets';

const ROLES: Array<{ role: LabNode['role']; title: string }> = [
  { role: 'bootstrap', title: 'Bootstrap' },
  { role: 'master', title: 'Control plane' },
  { role: 'worker', title: 'Workers' },
  { role: 'extra', title: 'Spare hosts (extra)' },
];

const STEP_MARK: Record<string, string> = { running: 'running', done: 'done', failed: 'failed' };

function builtText(b: LabRecord['built']): string {
  if (b === undefined) return 'unknown';
  if (b === null) return 'nothing built (no state file)';
  const kinds = Object.entries(b.byKind)
    .map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`)
    .join(', ');
  return `${b.objects} object${b.objects === 1 ? '' : 's'} (${kinds})${b.pending ? `, ${b.pending} pending` : ''}`;
}

function RunView({ lab, run }: { lab: string; run: LabRun }) {
  const s = runSummary(run);
  const id = `lab-${lab}-progress`;
  const pct = s.total ? Math.round((s.done / s.total) * 100) : run.state === 'done' ? 100 : 0;
  return (
    <div class="lab-run" data-run-state={run.state}>
      <div class="progress">
        <p id={`${id}-text`} class="run-text" role="status" aria-live="polite" data-testid={`lab-${lab}-status`}>
          {s.text}
        </p>
        <progress
          id={id}
          aria-labelledby={`${id}-text`}
          max={Math.max(s.total, 1)}
          value={s.total ? s.done : pct / 100}
          aria-valuetext={`${pct}%`}
        >
          {pct}%
        </progress>
        <span class="pct" data-testid={`lab-${lab}-count`}>
          {s.done}/{s.total}
        </span>
      </div>
      <p class="muted">
        started {clock(run.startedAt)}
        {run.endedAt ? `, ${run.state} after ${duration(run.endedAt - run.startedAt)}` : ''}
      </p>
      {run.state === 'failed' && (
        <p class="error" role="alert">
          {run.title} failed: {run.error}
        </p>
      )}
      {run.steps.length > 0 && (
        <ol class="steps" aria-label={`Steps of ${run.title}`}>
          {run.steps.map((st) => (
            <li key={st.index} data-step-state={st.state} aria-current={st.state === 'running' ? 'step' : undefined}>
              <span class={`step-state ${st.state}`}>{STEP_MARK[st.state]}</span>
              <span class="step-n">
                [{st.index}/{run.total}]
              </span>{' '}
              <code class="wrap">{st.step}</code>
              {st.endedAt !== undefined && <span class="muted"> {duration(st.endedAt - st.startedAt)}</span>}
              {st.error && <div class="error">{st.error}</div>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function NodesOfRole({
  lab,
  title,
  nodes,
  rack,
}: {
  lab: string;
  title: string;
  nodes: LabNode[];
  rack: (n: LabNode) => NodeView | undefined;
}) {
  const hid = `lab-${lab}-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <>
      <h4 id={hid}>
        {title} ({nodes.length})
      </h4>
      <div class="table-wrap">
        <table class="lab-nodes" aria-labelledby={hid}>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Node</th>
              <th scope="col">Power</th>
              <th scope="col">Boot override</th>
              <th scope="col">Boot MAC</th>
              <th scope="col">BMC address</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => {
              const v = rack(n);
              return (
                <tr key={n.name} data-lab-node={n.name}>
                  <th scope="row">{n.name}</th>
                  <td data-label="Node">
                    {v ? (
                      <a href={hrefNode(v.id)}>{v.name}</a>
                    ) : (
                      <span class="muted">{n.domain} (not in the rack)</span>
                    )}
                  </td>
                  <td data-label="Power">{v ? <PowerBadge state={v.powerState} /> : '-'}</td>
                  <td data-label="Boot override">{v ? bootText(v.boot) : '-'}</td>
                  <td data-label="Boot MAC">
                    <code>{n.bootMac}</code>
                  </td>
                  <td data-label="BMC address">
                    <Copyable text={n.bmc.address} label={`BMC address of ${n.name}`} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function LabSection({ rec, store }: { rec: LabRecord; store: RackStore }) {
  const r = rec.report;
  const hid = `lab-${r.name}-title`;
  const byName = new Map([...store.nodes.values()].map((n) => [n.name, n]));
  const rack = (n: LabNode) => store.nodes.get(n.uuid) ?? byName.get(n.domain);
  return (
    <section class="card lab" aria-labelledby={hid} data-lab={r.name}>
      <h2 id={hid}>
        Lab {r.name} <span class="badge mode">{r.mode.toUpperCase()}</span>
      </h2>
      <dl class="details">
        <dt>Cluster domain</dt>
        <dd>
          <code>
            {r.name}.{r.baseDomain}
          </code>{' '}
          (base domain <code>{r.baseDomain}</code>)
        </dd>
        <dt>API VIPs</dt>
        <dd>{r.apiVIPs.join(', ') || '-'}</dd>
        <dt>Ingress VIPs</dt>
        <dd>{r.ingressVIPs.join(', ') || '-'}</dd>
        <dt>libvirt</dt>
        <dd>
          <code>{r.libvirtUri}</code>
        </dd>
        <dt>Built</dt>
        <dd data-testid={`lab-${r.name}-built`}>{builtText(rec.built)}</dd>
        <dt>State dir</dt>
        <dd>
          <code>{r.stateDir}</code>
        </dd>
        {r.installConfig && (
          <>
            <dt>install-config</dt>
            <dd>
              <Copyable text={r.installConfig} label={`install-config path of lab ${r.name}`} />
            </dd>
          </>
        )}
        {r.nextCommand && (
          <>
            <dt>Next</dt>
            <dd>
              <Copyable text={r.nextCommand} label={`next command of lab ${r.name}`} />
            </dd>
          </>
        )}
      </dl>
      <h3>Networks</h3>
      <div class="table-wrap">
        <table class="lab-networks">
          <thead>
            <tr>
              <th scope="col">Network (bridge)</th>
              <th scope="col">Purpose</th>
              <th scope="col">Mode</th>
              <th scope="col">CIDRs</th>
            </tr>
          </thead>
          <tbody>
            {r.networks.map((n) => (
              <tr key={n.name}>
                <th scope="row">
                  <code>{n.name}</code>
                </th>
                <td data-label="Purpose">{n.purpose}</td>
                <td data-label="Mode">{n.mode}</td>
                <td data-label="CIDRs">{n.cidrs.join(', ') || '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Last run</h3>
      {rec.lastRun ? <RunView lab={r.name} run={rec.lastRun} /> : <p class="muted">No run reported yet.</p>}
      <h3>Nodes</h3>
      {ROLES.map(({ role, title }) => {
        const nodes = r.nodes.filter((n) => n.role === role);
        return nodes.length ? <NodesOfRole key={role} lab={r.name} title={title} nodes={nodes} rack={rack} /> : null;
      })}
    </section>
  );
}

export function LabPage({ store }: { store: RackStore }) {
  useStore(store);
  useEffect(() => {
    void store.loadLabs();
  }, [store]);
  const labs = store.labs;
  return (
    <section aria-labelledby="labs-title">
      <div class="page-head">
        <h1 id="labs-title">Labs</h1>
        <p class="muted">{labs === undefined ? 'Loading...' : `${labs.length} lab${labs.length === 1 ? '' : 's'}`}</p>
      </div>
      {store.labsError && (
        <p class="error" role="alert">
          {store.labsError}
        </p>
      )}
      {labs?.length === 0 && (
        <p class="note">
          No lab has reported here yet. <code>bmc-emu lab up</code> tells a running serve about its lab (the serve of{' '}
          <code>--serve-state-dir</code>, of <code>lab up --serve</code>, or of <code>.bmc-emu</code>); see
          docs/console.md.
        </p>
      )}
      <div class="labs">
        {labs?.map((rec) => (
          <LabSection key={rec.report.name} rec={rec} store={store} />
        ))}
      </div>
    </section>
  );
}
