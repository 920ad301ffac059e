import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LabFileError, type LabInput, labBmcRecords, parseLab, placeNodes } from '../src/index.js';
import { model, render } from './helpers.js';

const A = { name: 'hv-a', uri: 'qemu+tcp://10.0.0.1/system' };
const B = { name: 'hv-b', uri: 'qemu+ssh://root@hv-b/system' };

function refusal(input: LabInput): string[] {
  try {
    parseLab(stringify(input), 'lab.yaml');
  } catch (err) {
    if (err instanceof LabFileError) return err.violations.map((v) => `${v.path}: ${v.message}`);
    throw err;
  }
  return [];
}

const where = (input: LabInput) => model(input).nodes.map((n) => `${n.name}@${n.hypervisor.name}`);

describe('libvirt.hypervisors: placing nodes on several hosts', () => {
  it('without it every node is on libvirt.uris[0], named as serve names that URI', () => {
    const m = model({ controlPlane: { count: 2 } });
    expect(m.hypervisors).toEqual([{ name: 'local', uri: 'qemu:///system' }]);
    expect(m.nodes.map((n) => n.hypervisor)).toEqual([m.hypervisors[0], m.hypervisors[0]]);
  });

  it('count entries take that many nodes each, in plan order', () => {
    const lab: LabInput = {
      controlPlane: { count: 3 },
      workers: { count: 2 },
      libvirt: {
        hypervisors: [
          { ...A, count: 2 },
          { ...B, count: 3 },
        ],
      },
    };
    expect(where(lab)).toEqual(['master-0@hv-a', 'master-1@hv-a', 'master-2@hv-b', 'worker-0@hv-b', 'worker-1@hv-b']);
    expect(model(lab).hypervisors).toEqual([A, B]);
  });

  it('roles entries take every node of those roles; a role on two hosts goes round-robin', () => {
    const lab: LabInput = {
      controlPlane: { count: 3 },
      workers: { count: 2 },
      extra: { count: 1 },
      libvirt: {
        hypervisors: [
          { ...A, roles: ['master'] },
          { ...B, roles: ['master', 'worker'] },
          { name: 'hv-c', uri: 'qemu+tcp://10.0.0.3/system', count: 1 },
        ],
      },
    };
    expect(where(lab)).toEqual([
      'master-0@hv-a',
      'master-1@hv-b',
      'master-2@hv-a',
      'worker-0@hv-b',
      'worker-1@hv-b',
      'extra-0@hv-c',
    ]);
  });

  it('upi: the bootstrap node is placed like any other', () => {
    const lab: LabInput = {
      mode: 'upi',
      controlPlane: { count: 1 },
      libvirt: {
        hypervisors: [
          { ...A, roles: ['bootstrap'] },
          { ...B, count: 1 },
        ],
      },
    };
    expect(where(lab)).toEqual(['bootstrap-0@hv-a', 'master-0@hv-b']);
  });

  it('refuses counts that do not add up, naming the key', () => {
    const lab: LabInput = {
      controlPlane: { count: 3 },
      libvirt: {
        hypervisors: [
          { ...A, count: 1 },
          { ...B, count: 1 },
        ],
      },
    };
    expect(refusal(lab)).toEqual([
      'libvirt.hypervisors.0.count: the counts add up to 2, but 3 node(s) are left for them (after the roles: entries); make them add up',
    ]);
  });

  it('refuses a role no hypervisor takes', () => {
    const lab: LabInput = { workers: { count: 1 }, libvirt: { hypervisors: [{ ...A, roles: ['master'] }] } };
    expect(refusal(lab)).toEqual([
      "libvirt.hypervisors: no hypervisor takes the worker node(s): list the role in one's roles, or give one a count",
    ]);
  });

  it('refuses an entry with both or neither of count and roles, and a name given twice', () => {
    expect(refusal({ libvirt: { hypervisors: [{ ...A }] } })[0]).toMatch(
      /^libvirt\.hypervisors\.0\.count: give each hypervisor either count/,
    );
    expect(refusal({ libvirt: { hypervisors: [{ ...A, count: 3, roles: ['master'] }] } })[0]).toMatch(
      /^libvirt\.hypervisors\.0\.count: give each hypervisor either count/,
    );
    expect(
      refusal({
        libvirt: {
          hypervisors: [
            { ...A, count: 3 },
            { ...A, count: 0 },
          ],
        },
      }),
    ).toEqual(['libvirt.hypervisors.1.name: "hv-a" is named twice']);
  });

  it("the first hypervisor is install-config's libvirtURI; each node's BMC record names its host", () => {
    const lab: LabInput = {
      controlPlane: { count: 3 },
      libvirt: {
        hypervisors: [
          { ...B, count: 1 },
          { ...A, count: 2 },
        ],
      },
    };
    const { m, r } = render(lab);
    expect(r.files['install-config.yaml']).toContain(`libvirtURI: ${B.uri}`);
    expect(labBmcRecords(m).map((b) => [b.node, b.libvirtUri, b.ipmi.port])).toEqual([
      ['lab-master-0', B.uri, 6230],
      ['lab-master-1', A.uri, 6231],
      ['lab-master-2', A.uri, 6232],
    ]);
  });

  it('property: an accepted spread places every node once, deterministically, within each count', () => {
    const role = fc.constantFrom('master' as const, 'worker' as const, 'extra' as const);
    fc.assert(
      fc.property(
        fc.record({
          cp: fc.integer({ min: 0, max: 5 }),
          w: fc.integer({ min: 0, max: 5 }),
          e: fc.integer({ min: 0, max: 3 }),
        }),
        fc.array(
          fc.oneof(
            fc.record({ count: fc.integer({ min: 0, max: 8 }) }),
            fc.record({ roles: fc.uniqueArray(role, { minLength: 1 }) }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        ({ cp, w, e }, entries) => {
          const hypervisors = entries.map((x, i) => ({
            name: `h${i}`,
            uri: `qemu+tcp://10.0.0.${i + 1}/system`,
            ...x,
          }));
          const input = {
            controlPlane: { count: cp },
            workers: { count: w },
            extra: { count: e },
            libvirt: { hypervisors },
          };
          const problems = refusal(input);
          if (problems.length > 0) {
            expect(problems.every((p) => p.startsWith('libvirt.hypervisors'))).toBe(true);
            return;
          }
          const lab = parseLab(stringify(input));
          const placed = placeNodes(lab);
          expect(placed).toHaveLength(cp + w + e);
          expect(placeNodes(lab)).toEqual(placed);
          const m = model(input);
          for (const n of m.nodes) {
            const h = hypervisors.find((x) => x.name === n.hypervisor.name)!;
            const claimed = hypervisors.filter((x) => 'roles' in x && x.roles.includes(n.role as 'master'));
            // a claimed role only goes to its claimers; an unclaimed one only to count entries
            if (claimed.length) expect(claimed.map((x) => x.name)).toContain(h.name);
            else expect('count' in h).toBe(true);
          }
          for (const h of hypervisors.filter((x) => 'count' in x)) {
            const on = m.nodes.filter(
              (n) =>
                n.hypervisor.name === h.name &&
                !hypervisors.some((x) => 'roles' in x && x.roles.includes(n.role as 'master')),
            );
            expect(on.length).toBe((h as { count: number }).count);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
