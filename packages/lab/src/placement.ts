import { errors, type HypervisorConfig, resolveHypervisors, spreadNodes } from '@bmc-emu/core';

/** Roles as lab.yaml names them; `bootstrap` exists in upi mode only. */
export type LabRole = 'bootstrap' | 'master' | 'arbiter' | 'worker' | 'extra';

/** A libvirt host of the lab, as `up`, `status` and `down` reach it. */
export interface LabHypervisor {
  name: string;
  uri: string;
}

/** What placement reads of lab.yaml (the schema's refinement runs it before defaults are all there). */
export interface PlacementInput {
  mode: 'ipi' | 'upi';
  controlPlane: { count: number };
  arbiter: { count: number };
  workers: { count: number };
  extra: { count: number };
  libvirt: {
    uris: string[];
    hypervisors?:
      { name: string; uri: string; count?: number | undefined; roles?: LabRole[] | undefined }[] | undefined;
  };
}

/** Every node of the lab in plan order (the order of ordinals, IPMI ports and addresses). */
export function planNodes(lab: PlacementInput): { role: LabRole; index: number }[] {
  const counts: [LabRole, number][] = [
    ['bootstrap', lab.mode === 'upi' ? 1 : 0],
    ['master', lab.controlPlane.count],
    ['arbiter', lab.arbiter.count],
    ['worker', lab.workers.count],
    ['extra', lab.extra.count],
  ];
  return counts.flatMap(([role, n]) => Array.from({ length: n }, (_, index) => ({ role, index })));
}

/** The lab's libvirt hosts: `libvirt.hypervisors`, else one for `libvirt.uris[0]` (named as serve names it). */
export function labHypervisors(lab: PlacementInput): LabHypervisor[] {
  const list = lab.libvirt.hypervisors;
  if (list?.length) return list.map(({ name, uri }) => ({ name, uri }));
  const [first] = resolveHypervisors({ libvirtUris: [lab.libvirt.uris[0]!] });
  return [{ name: first!.name, uri: first!.uri }];
}

type Placed = { ok: true; hosts: LabHypervisor[] } | { ok: false; path: (string | number)[]; message: string };

function place(lab: PlacementInput): Placed {
  const nodes = planNodes(lab);
  const list = lab.libvirt.hypervisors;
  if (!list?.length) {
    const only = labHypervisors(lab)[0]!;
    return { ok: true, hosts: nodes.map(() => only) };
  }
  const out: (LabHypervisor | undefined)[] = nodes.map(({ role, index }) => {
    // a role claimed by several hypervisors goes round-robin over them, by the node's index in its role
    const claim = list.filter((h) => h.roles?.includes(role));
    const h = claim[index % Math.max(claim.length, 1)];
    return h && { name: h.name, uri: h.uri };
  });
  const rest = nodes.filter((_, i) => out[i] === undefined);
  const counted = list.filter((h) => h.count !== undefined);
  const sum = counted.reduce((a, h) => a + h.count!, 0);
  if (rest.length > 0 && counted.length === 0) {
    const roles = [...new Set(rest.map((n) => n.role))].join(', ');
    return {
      ok: false,
      path: [],
      message: `no hypervisor takes the ${roles} node(s): list the role in one's roles, or give one a count`,
    };
  }
  if (sum !== rest.length) {
    return {
      ok: false,
      path: [list.indexOf(counted[0]!), 'count'],
      message: `the counts add up to ${sum}, but ${rest.length} node(s) are left for them (after the roles: entries); make them add up`,
    };
  }
  const asConfig = (h: LabHypervisor): HypervisorConfig => ({ ...h, timeoutMs: 4_000, commandTimeoutMs: 20_000 });
  const spread = spreadNodes(
    counted.map((h) => ({ hypervisor: h.name, count: h.count! })),
    counted.map((h) => asConfig(h)),
  );
  let k = 0;
  return { ok: true, hosts: out.map((h) => h ?? { name: spread[k]!.name, uri: spread[k++]!.uri }) };
}

/** Why lab.yaml's hypervisors can't hold its nodes, or undefined (run by the schema, naming the key). */
export function placementProblem(lab: PlacementInput): { path: (string | number)[]; message: string } | undefined {
  const p = place(lab);
  return p.ok ? undefined : { path: p.path, message: p.message };
}

/** The hypervisor of each node, in plan order: deterministic, the same for the same lab.yaml. */
export function placeNodes(lab: PlacementInput): LabHypervisor[] {
  const p = place(lab);
  if (!p.ok) throw errors.invalidArgument(`libvirt.hypervisors: ${p.message}`, { path: p.path });
  return p.hosts;
}
