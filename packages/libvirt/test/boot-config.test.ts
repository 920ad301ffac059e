import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBootTarget, captureBoot, restoreBoot, setFirmware } from '../src/boot-config.js';
import { domainFacts, firstBootTarget } from '../src/domain-facts.js';
import { buildDomainXml, parseDomainXml, type XmlEl } from '../src/xml.js';

const fixture = (name: string) => readFile(new URL(`../../../fixtures/libvirt/${name}`, import.meta.url), 'utf8');
const OS_MODE = `<domain type='qemu'><name>n</name><uuid>u</uuid><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>
<devices><disk type='file' device='disk'><source file='/d.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><source file='/usb.img'/><target dev='sdb' bus='usb'/></disk>
<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/></interface></devices></domain>`;

async function roundTrip(dom: XmlEl): Promise<XmlEl> {
  return parseDomainXml(buildDomainXml(dom));
}

describe('boot override in domain XML', () => {
  it('os-level list: the target goes first and the disk stays', async () => {
    const dom = await parseDomainXml(OS_MODE);
    const saved = captureBoot(dom);
    applyBootTarget(dom, 'Pxe', saved);
    const f = domainFacts(await roundTrip(dom));
    expect(f.bootDevs).toEqual(['network', 'hd']);
    expect(firstBootTarget(f)).toBe('Pxe');
    applyBootTarget(dom, 'Cd', saved);
    expect(domainFacts(dom).bootDevs).toEqual(['cdrom', 'hd']);
  });

  it('Usb switches an os-level domain to per-device order with the USB disk first, disks kept', async () => {
    const dom = await parseDomainXml(OS_MODE);
    const saved = captureBoot(dom);
    applyBootTarget(dom, 'Usb', saved);
    const f = domainFacts(await roundTrip(dom));
    expect(f.bootDevs).toEqual([]);
    expect(f.devices.filter((d) => d.order).map((d) => [d.key, d.order])).toEqual([
      ['disk:vda', 2],
      ['disk:sdb', 1],
    ]);
    restoreBoot(dom, saved);
    const back = domainFacts(await roundTrip(dom));
    expect(back.bootDevs).toEqual(['hd']);
    expect(back.devices.some((d) => d.order !== undefined)).toBe(false);
  });

  it('per-device order: the NICs move first (unique orders), both disks follow in their old order', async () => {
    const dom = await parseDomainXml(await fixture('per-device-boot.xml'));
    const saved = captureBoot(dom);
    applyBootTarget(dom, 'Pxe', saved);
    const f = domainFacts(await roundTrip(dom));
    expect(f.devices.filter((d) => d.order).map((d) => [d.key, d.order])).toEqual([
      ['disk:vda', 3],
      ['disk:vdb', 4],
      ['nic:52:54:00:aa:00:01', 1],
      ['nic:52:54:00:aa:00:02', 2],
    ]);
    expect(f.bootDevs).toEqual([]);
    expect(firstBootTarget(f)).toBe('Pxe');
  });

  it('refuses a target the domain has no device for (per-device mode)', async () => {
    const dom = await parseDomainXml(await fixture('per-device-boot.xml'));
    expect(() => applyBootTarget(dom, 'Usb', captureBoot(dom))).toThrow(/no Usb device/);
  });

  it('property: any sequence of overrides then restore gives back the original boot configuration', async () => {
    const sources = [OS_MODE, await fixture('per-device-boot.xml')];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1),
        fc.array(fc.constantFrom('Pxe', 'Hdd', 'Cd', 'UefiHttp', 'Floppy', 'Usb' as const), { maxLength: 6 }),
        async (which, targets) => {
          const dom = await parseDomainXml(sources[which]!);
          const saved = captureBoot(dom);
          const disksBefore = domainFacts(dom).disks.length;
          for (const t of targets) {
            restoreBoot(dom, saved);
            try {
              applyBootTarget(dom, t, saved);
            } catch (err) {
              expect((err as { code?: string }).code).toMatch(/BMCEMU_(CONFLICT|UNSUPPORTED)/);
            }
            expect(domainFacts(dom).disks.length).toBe(disksBefore);
          }
          restoreBoot(dom, saved);
          expect(captureBoot(await roundTrip(dom))).toEqual(saved);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('firmware switching', () => {
  it('UEFI with secure boot uses firmware auto-selection with enrolled keys and SMM', async () => {
    const dom = await parseDomainXml(OS_MODE);
    setFirmware(dom, 'UEFI', true);
    const xml = buildDomainXml(dom);
    expect(xml).toContain(`<os firmware="efi">`);
    expect(xml).toContain(`<feature enabled="yes" name="secure-boot"/>`);
    expect(xml).toContain(`<smm state="on"/>`);
    expect(domainFacts(await roundTrip(dom))).toMatchObject({ firmware: 'uefi', secureBoot: true });
    setFirmware(dom, 'UEFI', false);
    expect(domainFacts(await roundTrip(dom))).toMatchObject({ firmware: 'uefi', secureBoot: false });
    setFirmware(dom, 'Legacy', false);
    expect(domainFacts(await roundTrip(dom))).toMatchObject({ firmware: 'bios', secureBoot: false });
  });

  it('drops an explicit loader/nvram when switching, and refuses secure boot on i440fx', async () => {
    const live = await parseDomainXml(await fixture('uefi-secure-live.xml'));
    setFirmware(live, 'Legacy', false);
    expect(buildDomainXml(live)).not.toMatch(/loader|nvram|firmware/);
    const pc = await parseDomainXml(await fixture('per-device-boot.xml'));
    expect(() => setFirmware(pc, 'UEFI', true)).toThrow(/q35/);
  });
});
