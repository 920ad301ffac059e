import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultLabYaml, LabFileError, parseLab } from '../src/index.js';

function violations(text: string): string[] {
  try {
    parseLab(text, 'lab.yaml');
  } catch (err) {
    if (err instanceof LabFileError) return err.violations.map((v) => `${v.path}: ${v.message}`);
    throw err;
  }
  return [];
}

describe('lab.yaml schema', () => {
  it('the default file describes a compact 3-node IPI lab', () => {
    const lab = parseLab(defaultLabYaml(), 'lab.yaml');
    expect(lab.mode).toBe('ipi');
    expect(lab.controlPlane.count).toBe(3);
    expect(lab.workers.count).toBe(0);
    expect(lab.extra.count).toBe(0);
    expect(lab.controlPlane.memoryMiB).toBe(16384);
    expect(lab.networks.provisioning.mode).toBe('Managed');
    expect(lab.bmc.kind).toBe('redfish-virtualmedia');
  });

  it('--memory / --disk lower every role', () => {
    const lab = parseLab(defaultLabYaml(), 'lab.yaml', { memoryMiB: 256, diskGiB: 1 });
    for (const r of [lab.controlPlane, lab.workers, lab.extra]) {
      expect(r.memoryMiB).toBe(256);
      expect(r.disksGiB).toEqual([1]);
    }
    expect(parseLab(defaultLabYaml({ memoryMiB: 512, diskGiB: 2 })).controlPlane.disksGiB).toEqual([2]);
  });

  it('an empty file gets every default', () => {
    const lab = parseLab('', 'lab.yaml');
    expect(lab.name).toBe('lab');
    expect(lab.libvirt.uris).toEqual(['qemu:///system']);
    expect(lab.networks.baremetal.forward).toBe('nat');
    expect(lab.stateDir).toBe('.bmc-emu-lab');
  });

  it('an unknown key is named', () => {
    expect(violations('networks:\n  baremetal:\n    nmae: x\n')).toEqual([
      expect.stringMatching(/^networks\.baremetal\.nmae: /),
    ]);
    expect(violations('colour: red\n')[0]).toMatch(/^colour: /);
  });

  it('a bridge name over 15 characters is refused by key', () => {
    expect(violations('networks:\n  baremetal:\n    name: averyverylongbridge\n')[0]).toMatch(
      /^networks\.baremetal\.name: .*at most 15/,
    );
  });

  it('a YAML syntax error names the line', () => {
    expect(violations('name: lab\ncontrolPlane: [\n')[0]).toMatch(/^line \d+: /);
  });

  it('secure boot on BIOS firmware is refused', () => {
    expect(violations('controlPlane: { firmware: bios, secureBoot: true }\n')[0]).toMatch(
      /^controlPlane\.secureBoot: /,
    );
  });

  it('bad values name their key', () => {
    expect(violations('bmc: { kind: idrac }\n')[0]).toMatch(/^bmc\.kind: /);
    expect(violations('networks: { baremetal: { ipv4: { cidr: 10.0.0.0/33 } } }\n')[0]).toMatch(
      /^networks\.baremetal\.ipv4\.cidr: /,
    );
    expect(violations('workers: { count: -1 }\n')[0]).toMatch(/^workers\.count: /);
    expect(violations('name: Bad_Name\n')[0]).toMatch(/^name: /);
  });

  it('docs/lab.md documents every key of the default file', () => {
    const doc = readFileSync(new URL('../../../docs/lab.md', import.meta.url), 'utf8');
    const keys = [...defaultLabYaml().matchAll(/^\s*#?\s*([a-zA-Z][a-zA-Z0-9]*):/gm)].map((m) => m[1]!);
    const missing = [...new Set(keys)].filter((k) => !doc.includes(`\`${k}\``) && !doc.includes(`.${k}\``));
    expect(missing).toEqual([]);
  });
});
