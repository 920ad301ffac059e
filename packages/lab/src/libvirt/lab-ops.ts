import { chmod, mkdir, access, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errors } from '@bmc-emu/core';
import { domainFacts, LibvirtObjects, parseDomainXml, probeLibvirt } from '@bmc-emu/libvirt';
import type { LabModel } from '../model.js';
import { ignitionPath } from '../render/domain-xml.js';
import type { Rendered } from '../render/index.js';
import { writeFiles } from '../write-files.js';
import { applySteps, type Progress } from './apply.js';
import { seedIpmiPorts } from './ipmi-ports.js';
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
  /** A `bmc-emu serve --state-dir` to seed with the lab's IPMI ports (see seedIpmiPorts). */
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

async function observe(objects: LibvirtObjects, poolName: string, state: StateFile): Promise<Observed> {
  const snapshot = await objects.snapshot();
  const pool = snapshot.pools.get(poolName);
  const volumes = pool?.active ? await objects.listVolumes(poolName) : [];
  return { snapshot, volumes, state: state.objects };
}

export interface PlanResult {
  steps: Step[];
  objects: LibvirtObjects;
  state: StateFile;
  observed: Observed;
}

/** `lab plan`: what `up` would do, changing nothing. */
export async function labPlan(o: LabOpsOptions): Promise<PlanResult> {
  const uri = o.model.lab.libvirt.uris[0]!;
  const objects = await connect(uri);
  const state = await StateFile.open(o.model.lab.stateDir, o.model.lab.name, uri);
  const observed = await observe(objects, o.model.poolName, state);
  const steps = planUp(o.model.lab.name, desiredObjects(o.model, o.rendered), observed);
  return { steps, objects, state, observed };
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
}

/** `lab up`: converge libvirt onto the lab, then write the files `render` writes. */
export async function labUp(o: LabOpsOptions): Promise<UpResult> {
  const { steps, objects, state, observed } = await labPlan(o);
  const refused = steps.filter((s) => s.action === 'refuse');
  if (refused.length > 0) {
    throw errors.conflict(
      refused.map((s) => `${s.kind} ${s.name}: ${s.detail}`).join('; ') +
        '. Nothing was created: rename the lab (name:) or the network, or remove the other object.',
      { refused: refused.map((s) => `${s.kind}:${s.name}`) },
    );
  }
  await prepareHostFiles(o.model);
  await applySteps(steps, {
    objects,
    state,
    pool: { name: o.model.poolName, path: o.model.lab.libvirt.pool.path },
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    currentXml: (kind, name) =>
      kind === 'domain' ? observed.snapshot.domains.get(name)?.xml : observed.snapshot.networks.get(name)?.xml,
  });
  // objects found tagged (or pending from an interrupted run) are the lab's now
  for (const s of steps) {
    if (s.action !== 'keep' || s.kind === 'pool') continue;
    const ref = { kind: s.kind, name: s.name, ...(s.pool ? { pool: s.pool } : {}) };
    const rec = state.objects.find((x) => x.kind === s.kind && x.name === s.name);
    if (!rec || rec.status === 'pending') await state.mark(ref, 'done');
  }
  const files = Object.fromEntries(Object.entries(o.rendered.files).filter(([k]) => !k.startsWith('libvirt/')));
  const written = o.outDir ? await writeFiles(o.outDir, files) : [];
  if (o.serveStateDir) written.push(await seedIpmiPorts(o.model, o.serveStateDir));
  return { steps: changes(steps), written, calls: objects.calls };
}

/** `lab down`: remove what `up` made (state file + tags), nothing else. */
export async function labDown(o: LabOpsOptions & { keepDisks?: boolean }): Promise<{ steps: Step[]; calls: number }> {
  const uri = o.model.lab.libvirt.uris[0]!;
  const objects = await connect(uri);
  const state = await StateFile.open(o.model.lab.stateDir, o.model.lab.name, uri);
  const observed = await observe(objects, o.model.poolName, state);
  const steps = planDown(o.model.lab.name, observed, o.keepDisks === true);
  await applySteps(steps, {
    objects,
    state,
    pool: { name: o.model.poolName, path: o.model.lab.libvirt.pool.path },
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  // objects that vanished by other means leave the state file too
  const left = await observe(objects, o.model.poolName, state);
  for (const s of [...state.objects]) {
    const gone =
      (s.kind === 'domain' && !left.snapshot.domains.has(s.name)) ||
      (s.kind === 'network' && !left.snapshot.networks.has(s.name)) ||
      (s.kind === 'pool' && !left.snapshot.pools.has(s.name)) ||
      (s.kind === 'volume' && !o.keepDisks && !left.volumes.some((v) => v.name === s.name));
    if (gone) await state.forget(s);
  }
  await state.removeIfEmpty();
  return { steps: changes(steps), calls: objects.calls };
}

export interface NodeStatus {
  name: string;
  domain: string;
  role: string;
  power: string;
  bootOverride: string;
  media: string;
  mac: string;
  ip: string;
  bmc: string;
  lastBoot: string;
}

/** `lab status`: one row per node. */
export async function labStatus(o: Pick<LabOpsOptions, 'model'>): Promise<NodeStatus[]> {
  const m = o.model;
  const objects = await connect(m.lab.libvirt.uris[0]!);
  const snap = await objects.snapshot();
  const leases = snap.networks.get(m.baremetal.name)?.active
    ? await objects.leases(m.baremetal.name).catch(() => new Map<string, string[]>())
    : new Map<string, string[]>();
  const rows: NodeStatus[] = [];
  for (const n of m.nodes) {
    const cur = snap.domains.get(n.domain);
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
      power: cur ? cur.state || '?' : 'absent',
      bootOverride: boot,
      media,
      mac: n.baremetalMac,
      ip: leases.get(n.baremetalMac)?.join(',') ?? '-',
      bmc: n.bmc.address,
      lastBoot: last,
    });
  }
  return rows;
}
