import type { LibvirtSnapshot, VolumeInfo } from '@bmc-emu/libvirt';
import { readLabTag } from '../render/tag.js';
import type { Desired } from './desired.js';
import type { ObjectKind, StateObject } from './state-file.js';

export type StepAction = 'create' | 'update' | 'resize' | 'remove' | 'keep' | 'refuse' | 'manual';

/** One thing `up` does (or would do) to one libvirt object. */
export interface Step {
  action: StepAction;
  kind: ObjectKind;
  name: string;
  pool?: string;
  /** Why, in words (sizes, what changed). */
  detail?: string;
  /** For `manual`: the command that would apply it. */
  command?: string;
  /** create / update: the XML to define. */
  xml?: string;
  gib?: number;
  /** The object runs: removing it means forcing it off first. */
  active?: boolean;
  /** The hypervisor (lab.yaml name) it is on. */
  host?: string;
}

export interface Observed {
  snapshot: LibvirtSnapshot;
  /** Volumes of the lab's pool (empty when the pool does not exist yet). */
  volumes: VolumeInfo[];
  state: readonly StateObject[];
}

const GiB = 1024 ** 3;
const RUNNING = new Set(['running', 'paused', 'in shutdown', 'pmsuspended']);

function ours(xml: string, lab: string): boolean {
  return readLabTag(xml)?.lab === lab;
}

/**
 * What `up` must do to make libvirt match the lab: pure, so `plan` prints it and tests check it.
 * Objects of the lab are found by their tag (networks, domains) or the state file (pool, volumes);
 * an object with a lab's name that is neither is refused, before anything is created.
 */
export function planUp(lab: string, d: Desired, o: Observed): Step[] {
  const steps: Step[] = [];
  const inState = (kind: ObjectKind, name: string, pool?: string) =>
    o.state.some((s) => s.kind === kind && s.name === name && (pool === undefined || s.pool === pool));

  // pool: used as found when it exists (never removed unless the lab made it)
  const pool = o.snapshot.pools.get(d.pool.name);
  if (!pool) steps.push({ action: 'create', kind: 'pool', name: d.pool.name, detail: `dir pool at ${d.pool.path}` });
  else if (!pool.active) steps.push({ action: 'update', kind: 'pool', name: d.pool.name, detail: 'start it' });
  else steps.push({ action: 'keep', kind: 'pool', name: d.pool.name });

  for (const n of d.networks) {
    const cur = o.snapshot.networks.get(n.name);
    if (!cur) steps.push({ action: 'create', kind: 'network', name: n.name, xml: n.xml });
    else if (!ours(cur.xml, lab)) {
      steps.push({
        action: 'refuse',
        kind: 'network',
        name: n.name,
        detail: 'a network of that name exists and is not tagged with this lab',
      });
    } else if (readLabTag(cur.xml)?.hash !== readLabTag(n.xml)?.hash) {
      steps.push({
        action: 'update',
        kind: 'network',
        name: n.name,
        xml: n.xml,
        active: cur.active,
        detail: cur.active
          ? 'redefined and restarted (running VMs on it lose their link until reattached)'
          : 'redefined',
      });
    } else if (!cur.active)
      steps.push({ action: 'update', kind: 'network', name: n.name, xml: n.xml, detail: 'start it' });
    else steps.push({ action: 'keep', kind: 'network', name: n.name });
  }

  const domainRunning = (name: string) => RUNNING.has(o.snapshot.domains.get(name)?.state ?? '');
  const vols = new Map(o.volumes.map((v) => [v.name, v]));
  for (const v of d.volumes) {
    const cur = vols.get(v.name);
    if (!cur) {
      steps.push({
        action: 'create',
        kind: 'volume',
        name: v.name,
        pool: d.pool.name,
        gib: v.gib,
        detail: `${v.gib} GiB thin qcow2`,
      });
      continue;
    }
    if (!inState('volume', v.name, d.pool.name)) {
      steps.push({
        action: 'refuse',
        kind: 'volume',
        name: v.name,
        pool: d.pool.name,
        detail: 'a volume of that name exists and was not made by this lab',
      });
      continue;
    }
    const want = v.gib * GiB;
    if (cur.capacityBytes === want) steps.push({ action: 'keep', kind: 'volume', name: v.name, pool: d.pool.name });
    else if (cur.capacityBytes < want && !domainRunning(v.domain)) {
      steps.push({
        action: 'resize',
        kind: 'volume',
        name: v.name,
        pool: d.pool.name,
        gib: v.gib,
        detail: `${cur.capacityBytes / GiB} -> ${v.gib} GiB`,
      });
    } else {
      const why = cur.capacityBytes > want ? 'a qcow2 volume cannot shrink safely' : `${v.domain} is running`;
      const command =
        cur.capacityBytes > want
          ? `virsh -c URI vol-delete --pool ${d.pool.name} ${v.name} && bmc-emu lab up`
          : `virsh -c URI destroy ${v.domain} && bmc-emu lab up`;
      steps.push({
        action: 'manual',
        kind: 'volume',
        name: v.name,
        pool: d.pool.name,
        detail: `${cur.capacityBytes / GiB} -> ${v.gib} GiB: ${why}`,
        command,
      });
    }
  }

  for (const dom of d.domains) {
    const cur = o.snapshot.domains.get(dom.name);
    if (!cur)
      steps.push({
        action: 'create',
        kind: 'domain',
        name: dom.name,
        xml: dom.xml,
        detail: `${dom.node.role}, ${dom.node.spec.memoryMiB} MiB, ${dom.node.spec.vcpus} vCPU`,
      });
    else if (!ours(cur.xml, lab)) {
      steps.push({
        action: 'refuse',
        kind: 'domain',
        name: dom.name,
        detail: 'a domain of that name exists and is not tagged with this lab',
      });
    } else if (readLabTag(cur.xml)?.hash !== readLabTag(dom.xml)?.hash) {
      const running = RUNNING.has(cur.state);
      steps.push({
        action: 'update',
        kind: 'domain',
        name: dom.name,
        xml: dom.xml,
        detail: running ? 'redefined; applies at its next boot (it is running)' : 'redefined',
      });
    } else steps.push({ action: 'keep', kind: 'domain', name: dom.name });
  }

  // the lab shrank: remove what it no longer has (ours by tag or state only)
  const wantDomains = new Set(d.domains.map((x) => x.name));
  for (const [name, cur] of o.snapshot.domains) {
    if (!wantDomains.has(name) && ours(cur.xml, lab)) {
      steps.push({
        action: 'remove',
        kind: 'domain',
        name,
        active: RUNNING.has(cur.state),
        detail: 'no longer in lab.yaml',
      });
    }
  }
  const wantVolumes = new Set(d.volumes.map((v) => v.name));
  for (const s of o.state) {
    if (s.kind === 'volume' && s.pool === d.pool.name && !wantVolumes.has(s.name) && vols.has(s.name)) {
      steps.push({ action: 'remove', kind: 'volume', name: s.name, pool: s.pool, detail: 'no longer in lab.yaml' });
    }
  }
  return steps;
}

/** What `down` removes: every object of the state file or tagged with the lab, nothing else. */
export function planDown(lab: string, o: Observed, keepDisks: boolean): Step[] {
  const steps: Step[] = [];
  for (const [name, cur] of o.snapshot.domains) {
    if (ours(cur.xml, lab)) steps.push({ action: 'remove', kind: 'domain', name, active: RUNNING.has(cur.state) });
  }
  const vols = new Set(o.volumes.map((v) => v.name));
  const poolState = o.state.find((s) => s.kind === 'pool');
  if (!keepDisks) {
    for (const s of o.state) {
      if (s.kind === 'volume' && vols.has(s.name))
        steps.push({ action: 'remove', kind: 'volume', name: s.name, pool: s.pool });
    }
    if (poolState && o.snapshot.pools.has(poolState.name)) {
      const others = o.volumes.filter((v) => !o.state.some((s) => s.kind === 'volume' && s.name === v.name));
      if (others.length === 0) {
        steps.push({
          action: 'remove',
          kind: 'pool',
          name: poolState.name,
          active: o.snapshot.pools.get(poolState.name)?.active,
        });
      } else {
        steps.push({
          action: 'keep',
          kind: 'pool',
          name: poolState.name,
          detail: `holds ${others.length} volume(s) the lab did not make`,
        });
      }
    }
  }
  for (const [name, cur] of o.snapshot.networks) {
    if (ours(cur.xml, lab)) steps.push({ action: 'remove', kind: 'network', name, active: cur.active });
  }
  return steps;
}

export const changes = (steps: Step[]) => steps.filter((s) => s.action !== 'keep');
