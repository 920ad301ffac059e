import type { LibvirtSnapshot } from '@bmc-emu/libvirt';
import { describe, expect, it } from 'vitest';
import {
  carryForeignMetadata,
  desiredObjects,
  type Observed,
  planDown,
  planUp,
  readLabTag,
  type StateObject,
} from '../src/index.js';
import { render } from './helpers.js';

const GiB = 1024 ** 3;

function world(input = {}) {
  const { m, r } = render(input);
  return { m, d: desiredObjects(m, r) };
}

function empty(): LibvirtSnapshot {
  return { networks: new Map(), domains: new Map(), pools: new Map() };
}

/** libvirt after a complete `up` of `d` (every object present, tagged, recorded). */
function built(d: ReturnType<typeof world>['d']): Observed {
  const snapshot = empty();
  snapshot.pools.set(d.pool.name, { xml: '<pool/>', active: true });
  for (const n of d.networks) snapshot.networks.set(n.name, { xml: n.xml, active: true });
  for (const x of d.domains) snapshot.domains.set(x.name, { xml: x.xml, state: 'shut off' });
  const state: StateObject[] = [
    ...d.networks.map((n) => ({ kind: 'network' as const, name: n.name, status: 'done' as const })),
    ...d.volumes.map((v) => ({ kind: 'volume' as const, name: v.name, pool: d.pool.name, status: 'done' as const })),
    ...d.domains.map((x) => ({ kind: 'domain' as const, name: x.name, status: 'done' as const })),
  ];
  return {
    snapshot,
    volumes: d.volumes.map((v) => ({ name: v.name, path: `/p/${v.name}`, capacityBytes: v.gib * GiB })),
    state,
  };
}

const actions = (steps: { action: string; kind: string; name: string }[]) =>
  steps.filter((s) => s.action !== 'keep').map((s) => `${s.action} ${s.kind} ${s.name}`);

describe('planUp', () => {
  it('an empty hypervisor: pool, networks (provisioning first), volumes, domains, in that order', () => {
    const { d } = world();
    expect(actions(planUp('lab', d, { snapshot: empty(), volumes: [], state: [] }))).toEqual([
      'create pool lab-pool',
      'create network labpr',
      'create network labbm',
      'create volume lab-master-0-disk0.qcow2',
      'create volume lab-master-1-disk0.qcow2',
      'create volume lab-master-2-disk0.qcow2',
      'create domain lab-master-0',
      'create domain lab-master-1',
      'create domain lab-master-2',
    ]);
  });

  it('after up nothing changes', () => {
    const { d } = world();
    expect(actions(planUp('lab', d, built(d)))).toEqual([]);
  });

  it('an untagged or other-lab object of the same name is refused', () => {
    const { d } = world();
    const o = built(d);
    o.snapshot.networks.set('labbm', { xml: '<network><name>labbm</name></network>', active: true });
    o.snapshot.domains.set('lab-master-1', {
      xml: d.domains[1]!.xml.replace('name="lab"', 'name="other"'),
      state: 'shut off',
    });
    o.state = o.state.filter((s) => s.name !== 'lab-master-0-disk0.qcow2');
    expect(actions(planUp('lab', d, o))).toEqual([
      'refuse network labbm',
      'refuse volume lab-master-0-disk0.qcow2',
      'refuse domain lab-master-1',
    ]);
  });

  it('a changed size: domains redefined, disks grown when off, manual when running or shrinking', () => {
    const { d } = world();
    const o = built(d);
    const { d: bigger } = world({ controlPlane: { memoryMiB: 512, disksGiB: [200] } });
    o.snapshot.domains.set('lab-master-1', { ...o.snapshot.domains.get('lab-master-1')!, state: 'running' });
    const steps = planUp('lab', bigger, o);
    expect(actions(steps)).toEqual([
      'resize volume lab-master-0-disk0.qcow2',
      'manual volume lab-master-1-disk0.qcow2',
      'resize volume lab-master-2-disk0.qcow2',
      'update domain lab-master-0',
      'update domain lab-master-1',
      'update domain lab-master-2',
    ]);
    expect(steps.find((s) => s.action === 'manual')!.command).toMatch(/destroy lab-master-1 && bmc-emu lab up/);
    const smaller = planUp('lab', world({ controlPlane: { disksGiB: [10] } }).d, built(d));
    expect(smaller.filter((s) => s.action === 'manual')).toHaveLength(3);
    expect(smaller[3]!.detail).toMatch(/cannot shrink/);
  });

  it('a lower count removes the surplus domain and its volumes and drops its DNS/DHCP entries', () => {
    const { d } = world();
    const o = built(d);
    const { d: two } = world({ controlPlane: { count: 2 } });
    expect(actions(planUp('lab', two, o))).toEqual([
      'update network labbm',
      'remove domain lab-master-2',
      'remove volume lab-master-2-disk0.qcow2',
    ]);
  });

  it('an interrupted run (pending objects) is adopted, not refused', () => {
    const { d } = world();
    const o = built(d);
    o.state = o.state.map((s) => ({ ...s, status: 'pending' as const }));
    expect(actions(planUp('lab', d, o))).toEqual([]);
  });

  it('a stopped network is started', () => {
    const { d } = world();
    const o = built(d);
    o.snapshot.networks.set('labpr', { ...o.snapshot.networks.get('labpr')!, active: false });
    expect(actions(planUp('lab', d, o))).toEqual(['update network labpr']);
  });
});

describe('planDown', () => {
  it('removes the lab objects only; the pool stays when it holds other volumes or the lab did not make it', () => {
    const { d } = world();
    const o = built(d);
    o.snapshot.domains.set('someone-else', { xml: '<domain/>', state: 'running' });
    o.snapshot.networks.set('default', { xml: '<network/>', active: true });
    o.volumes.push({ name: 'theirs.qcow2', path: '/p/theirs', capacityBytes: 1 });
    expect(actions(planDown('lab', o, false))).toEqual([
      'remove domain lab-master-0',
      'remove domain lab-master-1',
      'remove domain lab-master-2',
      'remove volume lab-master-0-disk0.qcow2',
      'remove volume lab-master-1-disk0.qcow2',
      'remove volume lab-master-2-disk0.qcow2',
      'remove network labpr',
      'remove network labbm',
    ]);
    o.state = [...o.state, { kind: 'pool', name: 'lab-pool', status: 'done' }];
    expect(planDown('lab', o, false).find((s) => s.kind === 'pool')).toMatchObject({ action: 'keep' });
    o.volumes.pop();
    expect(planDown('lab', o, false).find((s) => s.kind === 'pool')).toMatchObject({ action: 'remove' });
  });

  it('--keep-disks keeps volumes and pool', () => {
    const { d } = world();
    expect(actions(planDown('lab', built(d), true)).filter((a) => /volume|pool/.test(a))).toEqual([]);
  });
});

describe('metadata', () => {
  it('the hash in the tag changes with the object', () => {
    const a = world().d.domains[0]!.xml;
    const b = world({ controlPlane: { vcpus: 8 } }).d.domains[0]!.xml;
    expect(readLabTag(a)?.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(readLabTag(a)?.hash).not.toBe(readLabTag(b)?.hash);
  });

  it("a redefine keeps bmc-emu's BMC state and other tools' metadata, and takes the new tag", () => {
    const desired = world({ controlPlane: { vcpus: 8 } }).d.domains[0]!.xml;
    const current = `<domain><metadata>
    <lab:lab xmlns:lab="https://bmc-emu.dev/xmlns/lab/1" name="lab" role="master" host="master-0" hash="0000000000000000"/>
    <bmcemu:state xmlns:bmcemu="https://bmc-emu.dev/xmlns/libvirt/1">{"boot":{"target":"Pxe"}}</bmcemu:state>
  </metadata></domain>`;
    const merged = carryForeignMetadata(current, desired);
    expect(merged).toContain(
      '<bmcemu:state xmlns:bmcemu="https://bmc-emu.dev/xmlns/libvirt/1">{"boot":{"target":"Pxe"}}</bmcemu:state>',
    );
    expect(merged).not.toContain('hash="0000000000000000"');
    expect(readLabTag(merged)?.hash).toBe(readLabTag(desired)?.hash);
    expect(carryForeignMetadata('<domain/>', desired)).toBe(desired);
  });
});
