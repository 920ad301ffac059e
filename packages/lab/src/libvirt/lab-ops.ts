import { chmod, mkdir, access, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errors } from '@bmc-emu/core';
import { domainFacts, LibvirtObjects, type LibvirtSnapshot, parseDomainXml, probeLibvirt } from '@bmc-emu/libvirt';
import type { LabModel } from '../model.js';
import type { LabHypervisor } from '../placement.js';
import { ignitionPath } from '../render/domain-xml.js';
import type { Rendered } from '../render/index.js';
import { writeFiles } from '../write-files.js';
import { applySteps, type Progress } from './apply.js';
import { type RegisterResult, registerBmcs, unregisterBmcs } from './bmc-registration.js';
import { desiredObjects } from './desired.js';
import { changes, type Observed, planDown, planUp, type Step } from './plan.js';
import { StateFile } from './state-file.js';

export interface LabOpsOptions {
  model: LabModel;
  rendered: Rendered;
  progress?: Progress;
  signal?: AbortSignal;
  /** Where `up` writes install-config.yaml, nodes.json and manifests (as `render --out`). */
  outDir?: string;
  /** The `bmc-emu serve --state-dir` whose BMC registry gets the lab's BMCs (live when that serve runs). */
  serveStateDir?: string;
}

/** A connection to the lab's first libvirt URI; exit code 3 (driver unavailable) when it does not answer. */
export async function connect(uri: string): Promise<LibvirtObjects> {
  if (!(await probeLibvirt(uri, 5_000))) {
    throw errors.driverUnavailable(
      `libvirt (${uri})`,
      '`virsh list` does not answer (is libvirtd running? is virsh installed?)',
    );
  }
  return new LibvirtObjects({ uri });
}

async function observe(objects: LibvirtObjects, poolName: string, state: StateFile, host: string): Promise<Observed> {
  const snapshot = await objects.snapshot();
  const pool = snapshot.pools.get(poolName);
  const volumes = pool?.active ? await objects.listVolumes(poolName) : [];
  return { snapshot, volumes, state: state.objects.filter((x) => x.host === host) };
}

/** One hypervisor's part of a plan. */
export interface HostPlan {
  host: LabHypervisor;
  steps: Step[];
  objects: LibvirtObjects;
  observed: Observed;
}

export interface PlanResult {
  /** Every host's steps, in host order, each with its `host`. */
  steps: Step[];
  hosts: HostPlan[];
  state: StateFile;
}

async function openState(m: LabModel): Promise<StateFile> {
  const first = m.hypervisors[0]!;
  const state = await StateFile.open(m.lab.stateDir, m.lab.name, first.uri);
  state.adoptHost(first.name);
  return state;
}

const onHost = (steps: Step[], host: string) => steps.map((s) => ({ ...s, host }));

/** `lab plan`: what `up` would do on each hypervisor, changing nothing. */
export async function labPlan(o: LabOpsOptions): Promise<PlanResult> {
  const state = await openState(o.model);
  const hosts: HostPlan[] = [];
  for (const host of o.model.hypervisors) {
    const objects = await connect(host.uri);
    const observed = await observe(objects, o.model.poolName, state, host.name);
    const steps = onHost(planUp(o.model.lab.name, desiredObjects(o.model, o.rendered, host.name), observed), host.name);
    hosts.push({ host, steps, objects, observed });
  }
  return { steps: hosts.flatMap((h) => h.steps), hosts, state };
}

/** Files QEMU opens itself must exist and be readable by its user before a domain starts. */
async function prepareHostFiles(m: LabModel): Promise<void> {
  const logs = join(m.lab.stateDir, 'logs');
  await mkdir(logs, { recursive: true });
  await chmod(m.lab.stateDir, 0o755);
  await chmod(logs, 0o755);
  if (!m.provisioning.served) return;
  // boot-serve.yaml's http root (kernels, initrds the user drops there)
  await mkdir(join(m.lab.stateDir, 'www'), { recursive: true, mode: 0o755 });
  if (m.lab.mode !== 'upi') return;
  for (const role of new Set(m.nodes.map((n) => n.role))) {
    const path = ignitionPath(m, role);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    // a placeholder until `openshift-install create ignition-configs` writes the real one here
    if (!exists) await writeFile(path, `${JSON.stringify({ ignition: { version: '3.2.0' } })}\n`, { mode: 0o644 });
  }
}

export interface UpResult {
  steps: Step[];
  written: string[];
  calls: number;
  /** Where the lab's BMCs were registered (absent: not asked to). */
  bmcs?: RegisterResult;
}

const refOf = (s: Step) => ({
  kind: s.kind,
  name: s.name,
  ...(s.pool ? { pool: s.pool } : {}),
  ...(s.host ? { host: s.host } : {}),
});

/** `lab up`: converge every hypervisor onto the lab, register its BMCs, then write the files `render` writes. */
export async function labUp(o: LabOpsOptions): Promise<UpResult> {
  const { steps, hosts, state } = await labPlan(o);
  const refused = steps.filter((s) => s.action === 'refuse');
  if (refused.length > 0) {
    const many = hosts.length > 1;
    throw errors.conflict(
      refused.map((s) => `${s.kind} ${s.name}${many ? ` on ${s.host}` : ''}: ${s.detail}`).join('; ') +
        '. Nothing was created: rename the lab (name:) or the network, or remove the other object.',
      { refused: refused.map((s) => `${s.kind}:${s.name}`) },
    );
  }
  await prepareHostFiles(o.model);
  // before the domains exist: a running serve reserves their ports and opens each BMC as its domain appears
  const bmcs = o.serveStateDir ? await registerBmcs(o.model, o.serveStateDir, state) : undefined;
  for (const h of hosts) {
    await applySteps(h.steps, {
      objects: h.objects,
      state,
      host: h.host,
      pool: { name: o.model.poolName, path: o.model.lab.libvirt.pool.path },
      ...(o.progress ? { progress: o.progress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      currentXml: (kind, name) =>
        kind === 'domain' ? h.observed.snapshot.domains.get(name)?.xml : h.observed.snapshot.networks.get(name)?.xml,
    });
    // objects found tagged (or pending from an interrupted run) are the lab's now
    for (const s of h.steps) {
      if (s.action !== 'keep' || s.kind === 'pool') continue;
      const rec = state.objects.find((x) => x.kind === s.kind && x.name === s.name && x.host === s.host);
      if (!rec || rec.status === 'pending') await state.mark(refOf(s), 'done', h.host.uri);
    }
  }
  const files = Object.fromEntries(Object.entries(o.rendered.files).filter(([k]) => !k.startsWith('libvirt/')));
  const written = o.outDir ? await writeFiles(o.outDir, files) : [];
  const calls = hosts.reduce((a, h) => a + h.objects.calls, 0);
  return { steps: changes(steps), written, calls, ...(bmcs ? { bmcs } : {}) };
}

/** The hosts `down` visits: lab.yaml's, and any the state file still has objects on. */
function downHosts(m: LabModel, state: StateFile): LabHypervisor[] {
  const out = [...m.hypervisors];
  for (const s of state.objects) {
    if (!s.host || out.some((h) => h.name === s.host)) continue;
    const uri = state.hosts[s.host];
    if (uri) out.push({ name: s.host, uri });
  }
  return out;
}

/** `lab down`: remove what `up` made on every host, and the BMCs it registered (state file + tags), nothing else. */
export async function labDown(
  o: LabOpsOptions & { keepDisks?: boolean },
): Promise<{ steps: Step[]; calls: number; bmcs: string[] }> {
  const m = o.model;
  const state = await openState(m);
  const all: Step[] = [];
  let calls = 0;
  for (const host of downHosts(m, state)) {
    const objects = await connect(host.uri);
    const observed = await observe(objects, m.poolName, state, host.name);
    const steps = onHost(planDown(m.lab.name, observed, o.keepDisks === true), host.name);
    await applySteps(steps, {
      objects,
      state,
      host,
      pool: { name: m.poolName, path: m.lab.libvirt.pool.path },
      ...(o.progress ? { progress: o.progress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    // objects that vanished by other means leave the state file too
    const left = await observe(objects, m.poolName, state, host.name);
    for (const s of left.state) {
      const gone =
        (s.kind === 'domain' && !left.snapshot.domains.has(s.name)) ||
        (s.kind === 'network' && !left.snapshot.networks.has(s.name)) ||
        (s.kind === 'pool' && !left.snapshot.pools.has(s.name)) ||
        (s.kind === 'volume' && !o.keepDisks && !left.volumes.some((v) => v.name === s.name));
      if (gone) await state.forget(s);
    }
    all.push(...steps);
    calls += objects.calls;
  }
  const bmcs = await unregisterBmcs(state);
  await state.removeIfEmpty();
  return { steps: changes(all), calls, bmcs };
}

export interface NodeStatus {
  name: string;
  domain: string;
  role: string;
  /** The lab.yaml name of the libvirt host the node is on, and its URI. */
  hypervisor: string;
  hypervisorUri: string;
  /** libvirt's state, `absent`, or `unreachable` when its hypervisor does not answer. */
  power: string;
  bootOverride: string;
  media: string;
  mac: string;
  ip: string;
  bmc: string;
  lastBoot: string;
}

type Seen = { snap: LibvirtSnapshot; leases: Map<string, string[]> } | undefined;

/** One hypervisor's domains and baremetal leases; undefined when it does not answer (its rows say so). */
async function seeHost(m: LabModel, uri: string): Promise<Seen> {
  if (!(await probeLibvirt(uri, 5_000))) return undefined;
  const objects = new LibvirtObjects({ uri });
  const snap = await objects.snapshot();
  const leases = snap.networks.get(m.baremetal.name)?.active
    ? await objects.leases(m.baremetal.name).catch(() => new Map<string, string[]>())
    : new Map<string, string[]>();
  return { snap, leases };
}

/** `lab status`: one row per node, from the hypervisor it is on. Exit 3 only when no host answers. */
export async function labStatus(o: Pick<LabOpsOptions, 'model'>): Promise<NodeStatus[]> {
  const m = o.model;
  const used = m.hypervisors.filter((h) => m.nodes.some((n) => n.hypervisor.name === h.name));
  const seen = new Map<string, Seen>();
  for (const h of used.length ? used : m.hypervisors) seen.set(h.name, await seeHost(m, h.uri));
  if ([...seen.values()].every((x) => x === undefined)) await connect(m.hypervisors[0]!.uri);
  const rows: NodeStatus[] = [];
  for (const n of m.nodes) {
    const host = seen.get(n.hypervisor.name);
    const cur = host?.snap.domains.get(n.domain);
    let boot = '-';
    let media = '-';
    let last = '-';
    if (cur?.xml) {
      const facts = domainFacts(await parseDomainXml(cur.xml));
      const b = facts.state.boot;
      boot = b.enabled === 'Disabled' ? '-' : `${b.target}/${b.enabled}`;
      const images = Object.values(facts.state.media)
        .map((x) => x?.image)
        .filter(Boolean);
      media = images.length ? images.join(',') : '-';
      const lb = facts.state.lastBoot;
      last = lb ? `${lb.target} ${lb.mode} ${lb.at}` : '-';
    }
    rows.push({
      name: n.name,
      domain: n.domain,
      role: n.role,
      hypervisor: n.hypervisor.name,
      hypervisorUri: n.hypervisor.uri,
      power: !host ? 'unreachable' : cur ? cur.state || '?' : 'absent',
      bootOverride: boot,
      media,
      mac: n.baremetalMac,
      ip: host?.leases.get(n.baremetalMac)?.join(',') ?? '-',
      bmc: n.bmc.address,
      lastBoot: last,
    });
  }
  return rows;
}
