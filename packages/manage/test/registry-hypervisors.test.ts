import { type HypervisorConfig, hypervisorsList, parseLibvirtUri } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registryHypervisors } from '../src/registry/registry-hypervisors.js';

const hv = (name: string, uri: string): HypervisorConfig => ({ name, uri, timeoutMs: 4_000, commandTimeoutMs: 20_000 });

describe('registryHypervisors: libvirt URIs only BMC records name become extra hypervisors', () => {
  it('names them from the URI host, skips configured URIs, and never reuses a configured name', () => {
    const configured = [hv('hv2', 'qemu+tcp://10.0.0.9/system'), hv('local', 'qemu:///system')];
    const { extra, invalid } = registryHypervisors(configured, [
      { libvirtUri: 'qemu:///system' },
      { libvirtUri: ' qemu+ssh://root@hv2/system ' },
      { libvirtUri: 'qemu+ssh://root@hv2/system' },
      { libvirtUri: 'qemu+tcp://10.0.0.9/system' },
      { libvirtUri: 'qemu+tcp://[fd00::3]/system' },
      {},
      { libvirtUri: 'not a uri' },
    ]);
    expect(extra.map((h) => [h.name, h.uri])).toEqual([
      ['hv2-2', 'qemu+ssh://root@hv2/system'],
      ['fd00--3', 'qemu+tcp://[fd00::3]/system'],
    ]);
    expect(invalid).toEqual(['not a uri']);
  });

  it('nothing extra when every record is on a configured hypervisor, or names none', () => {
    expect(registryHypervisors([hv('local', 'qemu:///system')], [{ libvirtUri: 'qemu:///system' }, {}]).extra).toEqual(
      [],
    );
  });

  it('property: every unknown URI gets exactly one hypervisor; configured plus extra is a valid list', () => {
    const host = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,12}$/);
    const uri = fc.oneof(
      fc.constant('qemu:///system'),
      fc.tuple(fc.constantFrom('qemu+ssh', 'qemu+tcp', 'qemu'), host).map(([d, h]) => `${d}://${h}/system`),
    );
    const names = fc.uniqueArray(host, { maxLength: 4 });
    fc.assert(
      fc.property(names, fc.array(uri, { maxLength: 4 }), fc.array(uri, { maxLength: 8 }), (ns, cfgUris, recUris) => {
        const configured = ns.map((n, i) => hv(n, cfgUris[i] ?? `qemu+tcp://${n}-cfg/system`));
        const { extra, invalid } = registryHypervisors(
          configured,
          recUris.map((u) => ({ libvirtUri: u })),
        );
        expect(invalid).toEqual([]);
        const known = new Set(configured.map((h) => h.uri));
        expect(new Set(extra.map((h) => h.uri))).toEqual(new Set(recUris.filter((u) => !known.has(u))));
        expect(extra.length).toBe(new Set(extra.map((h) => h.uri)).size);
        for (const h of extra) expect(parseLibvirtUri(h.uri)).toBeDefined();
        if (configured.length + extra.length > 0) {
          expect(hypervisorsList.safeParse([...configured, ...extra]).success).toBe(true);
        }
      }),
    );
  });
});
