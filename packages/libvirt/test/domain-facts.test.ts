import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootSignature, domainFacts, firstBootTarget } from '../src/domain-facts.js';
import { readState, writeState } from '../src/metadata.js';
import { buildDomainXml, parseDomainXml } from '../src/xml.js';

const fixture = (name: string) => readFile(new URL(`../../../fixtures/libvirt/${name}`, import.meta.url), 'utf8');

describe('domain facts from libvirt XML', () => {
  it('reads hardware, per-device boot order and NIC state', async () => {
    const f = domainFacts(await parseDomainXml(await fixture('per-device-boot.xml')));
    expect(f).toMatchObject({ name: 'per-device', memoryMiB: 512, vcpus: 2, cpuModel: 'Nehalem', firmware: 'bios' });
    expect(f.liveId).toBeUndefined();
    expect(f.nics).toEqual([
      { mac: '52:54:00:aa:00:01', network: 'provisioning', model: 'e1000', linkUp: true },
      { mac: '52:54:00:aa:00:02', network: 'baremetal', model: undefined, linkUp: false },
    ]);
    expect(f.disks.map((d) => `${d.target}/${d.bus}/${d.device}`)).toEqual([
      'vda/virtio/disk',
      'vdb/virtio/disk',
      'hdc/ide/cdrom',
    ]);
    expect(f.cdroms).toEqual([{ target: 'hdc', bus: 'ide', device: 'cdrom', source: undefined }]);
    expect(f.devices.filter((d) => d.order).map((d) => [d.key, d.order])).toEqual([
      ['disk:vda', 1],
      ['disk:vdb', 2],
      ['nic:52:54:00:aa:00:01', 3],
    ]);
    expect(firstBootTarget(f)).toBe('Hdd');
  });

  it('reads UEFI secure boot, live id, serial pty and bmc-emu metadata from a live XML', async () => {
    const f = domainFacts(await parseDomainXml(await fixture('uefi-secure-live.xml')));
    expect(f).toMatchObject({ liveId: '7', firmware: 'uefi', secureBoot: true, memoryMiB: 2048, vcpus: 4 });
    expect(f.serialPty).toBe('/dev/pts/9');
    expect(f.bootDevs).toEqual(['cdrom', 'hd']);
    expect(firstBootTarget(f)).toBe('Cd');
    expect(f.cdroms[0]!.source).toBe('/tmp/boot.iso');
    expect(f.state.boot).toEqual({ target: 'Cd', enabled: 'Once' });
    expect(f.state.bios.attributes.ProcTurboMode).toBe('Disabled');
    expect(f.state.bios.attributes.BootMode).toBe('Uefi');
    expect(f.state.bios.pending).toEqual({ NicBoot1: 'Off' });
  });

  it('a firmware auto-selection domain without secure-boot features is plain UEFI', async () => {
    const xml = `<domain type='qemu'><name>a</name><uuid>u</uuid><os firmware='efi'><type machine='q35'>hvm</type></os></domain>`;
    const f = domainFacts(await parseDomainXml(xml));
    expect(f.firmware).toBe('uefi');
    expect(f.secureBoot).toBe(false);
  });

  it('the boot signature changes with the boot order and the firmware only', async () => {
    const a = domainFacts(await parseDomainXml(await fixture('uefi-secure-live.xml')));
    const dom = await parseDomainXml(await fixture('uefi-secure-live.xml'));
    dom.metadata = [];
    expect(bootSignature(domainFacts(dom))).toBe(bootSignature(a));
    (dom.os as { boot: unknown }[])[0]!.boot = [{ $: { dev: 'hd' } }];
    expect(bootSignature(domainFacts(dom))).not.toBe(bootSignature(a));
  });

  it('writes metadata state without disturbing other applications metadata and reads it back', async () => {
    const dom = await parseDomainXml(await fixture('uefi-secure-live.xml'));
    const state = readState(dom);
    state.boot = { target: 'Pxe', enabled: 'Continuous' };
    state.bios.pending = { L2Cache: 'x' };
    writeState(dom, state);
    const xml = buildDomainXml(dom);
    expect(xml).toContain('keep me');
    expect(xml).toContain('xmlns:bmcemu="https://bmc-emu.dev/xmlns/libvirt/1"');
    const again = readState(await parseDomainXml(xml));
    expect(again.boot).toEqual({ target: 'Pxe', enabled: 'Continuous' });
    expect(again.bios.pending).toEqual({ L2Cache: 'x' });
  });

  it('garbage in the metadata element gives defaults, not a crash', async () => {
    const xml = `<domain><name>a</name><metadata><bmcemu:state xmlns:bmcemu="https://bmc-emu.dev/xmlns/libvirt/1">{not json</bmcemu:state></metadata></domain>`;
    expect(readState(await parseDomainXml(xml)).boot).toEqual({ target: 'None', enabled: 'Disabled' });
  });
});

describe('domain facts never throw on odd XML (property)', () => {
  const names = ['name', 'uuid', 'memory', 'vcpu', 'os', 'type', 'boot', 'loader', 'firmware', 'feature', 'devices'];
  const leaf = fc.record({
    $: fc.dictionary(
      fc.constantFrom('dev', 'unit', 'order', 'address', 'machine', 'enabled', 'name', 'bus'),
      fc.string(),
    ),
    _: fc.string(),
  });
  const tree = fc.letrec((tie) => ({
    el: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.dictionary(
        fc.constantFrom(...names, 'disk', 'interface', 'mac', 'target', 'source', 'serial'),
        fc.array(tie('el'), { maxLength: 3 }),
      ),
    ),
  })).el;

  it('domainFacts and readState accept any element tree', () => {
    fc.assert(
      fc.property(tree, (el) => {
        const f = domainFacts(el as never);
        expect(typeof f.memoryMiB).toBe('number');
        expect(Number.isNaN(f.memoryMiB)).toBe(false);
        expect(Array.isArray(f.nics)).toBe(true);
        firstBootTarget(f);
        bootSignature(f);
      }),
      { numRuns: 300 },
    );
  });

  it('parseDomainXml on arbitrary text resolves to a domain or rejects with an Error, never hangs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constant('<domain><name>x</name></domain>')), async (text) => {
        const r = await parseDomainXml(text).then(
          (d) => domainFacts(d),
          (e: unknown) => e,
        );
        expect(r instanceof Error || typeof (r as { name?: unknown }).name === 'string').toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
