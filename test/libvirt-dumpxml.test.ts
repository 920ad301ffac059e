/**
 * The libvirt driver's changes, read back from `virsh dumpxml` (the hypervisor's own view), not from
 * the driver. One TCG domain on a private libvirtd in a netns.
 */
import { waitForPower } from '@bmc-emu/core';
import { createLibvirtDriver, type LibvirtDriver } from '@bmc-emu/libvirt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  defineTestDomain,
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  type TestDomain,
  virsh,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';

const live = (name: string) => virsh('dumpxml', name);
const inactive = (name: string) => virsh('dumpxml', '--inactive', name);
const bootDevs = (xml: string) => [...xml.matchAll(/<boot dev='(\w+)'\/>/g)].map((m) => m[1]);
const metadata = (xml: string) => {
  const m = /<bmcemu:state[^>]*>([^<]*)<\/bmcemu:state>/.exec(xml);
  return m ? JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) : undefined;
};

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

libvirtPeers.describe('libvirt driver: state read back from virsh dumpxml', () => {
  let lv: Libvirtd | undefined;
  let dom: TestDomain;
  let driver: LibvirtDriver;
  beforeAll(async () => {
    lv = await startLibvirtd();
    dom = defineTestDomain('xml');
    driver = await createLibvirtDriver({ uris: [lv.uri], pollIntervalMs: 500 });
  }, LIBVIRTD_SETUP_MS);
  afterAll(async () => {
    await driver?.close();
    dom?.remove();
    await lv?.stop();
  });

  it('a Continuous PXE override rewrites the persistent boot list, keeps the disk, and boots from it', async () => {
    await driver.setBootOverride(dom.name, { target: 'Pxe', enabled: 'Continuous' });
    const xml = inactive(dom.name);
    expect(bootDevs(xml)).toEqual(['network', 'hd']);
    expect(xml).toContain('disk.qcow2');
    expect(metadata(xml).boot).toEqual({ target: 'Pxe', enabled: 'Continuous' });
    expect(metadata(xml).savedBoot).toEqual({ devs: ['hd'], orders: {} });
    await driver.power(dom.uuid, 'On');
    await waitForPower(driver, dom.uuid, 'On', 20_000);
    expect(virsh('domstate', dom.name).trim()).toBe('running');
    expect(bootDevs(live(dom.name))).toEqual(['network', 'hd']);
    expect(metadata(inactive(dom.name)).lastBoot.target).toBe('Pxe');
  });

  it('a Once CD override is live for one boot, while the persistent XML is already reverted', async () => {
    await driver.setBootOverride(dom.name, { target: 'Cd', enabled: 'Once' });
    expect(bootDevs(inactive(dom.name))).toEqual(['cdrom', 'hd']);
    await driver.power(dom.name, 'ForceRestart');
    await waitForPower(driver, dom.uuid, 'On', 20_000);
    expect(bootDevs(live(dom.name))).toEqual(['cdrom', 'hd']);
    const persisted = inactive(dom.name);
    expect(bootDevs(persisted)).toEqual(['hd']);
    expect(metadata(persisted).boot).toEqual({ target: 'None', enabled: 'Disabled' });
    expect((await driver.get(dom.name)).lastBoot?.target).toBe('Cd');
  });

  it('media inserted while running is in both the live and the persistent XML, and ejected from both', async () => {
    await driver.insertMedia(dom.name, 'Cd', { kind: 'path', path: dom.isoPath, image: 'http://x.invalid/a.iso' });
    expect(live(dom.name)).toContain(`<source file='${dom.isoPath}'`);
    expect(inactive(dom.name)).toContain(`<source file='${dom.isoPath}'`);
    expect(metadata(inactive(dom.name)).media.Cd).toEqual({ image: 'http://x.invalid/a.iso', path: dom.isoPath });
    await driver.ejectMedia(dom.name, 'Cd');
    expect(live(dom.name)).not.toContain(dom.isoPath);
    expect(inactive(dom.name)).not.toContain(dom.isoPath);
  });

  it('BIOS settings are staged in the domain metadata and applied by a reset', async () => {
    await driver.setBiosPending(dom.name, { ProcTurboMode: 'Disabled' });
    expect(metadata(inactive(dom.name)).bios.pending).toEqual({ ProcTurboMode: 'Disabled' });
    await driver.power(dom.name, 'ForceRestart');
    const bios = metadata(inactive(dom.name)).bios;
    expect(bios.attributes.ProcTurboMode).toBe('Disabled');
    expect(bios.pending).toEqual({});
  });

  it('the serial console carries what the firmware prints (SeaBIOS over the pty)', async () => {
    const con = await driver.openConsole!(dom.name);
    let seen = '';
    con.on('data', (b: Buffer) => {
      seen += b.toString('latin1');
    });
    await driver.power(dom.name, 'ForceRestart');
    await until(() => /SeaBIOS \(version/.test(seen), 30_000, 'SeaBIOS banner on the serial console');
    // the stream ends when the domain stops (QEMU closes the pty master)
    let ended = false;
    con.once('end', () => {
      ended = true;
    });
    await driver.power(dom.name, 'ForceOff');
    await until(() => ended, 5_000, 'the console stream to end after ForceOff');
    con.destroy();
    await driver.power(dom.name, 'On');
  });

  it('a start from outside bmc-emu still consumes a Once override (seen through libvirt events)', async () => {
    await driver.power(dom.name, 'ForceOff');
    await waitForPower(driver, dom.uuid, 'Off', 20_000);
    await driver.setBootOverride(dom.name, { target: 'Pxe', enabled: 'Once' });
    virsh('start', dom.name);
    await until(() => bootDevs(inactive(dom.name)).join() === 'hd', 10_000, 'the Once override to be consumed');
    expect(bootDevs(live(dom.name))).toEqual(['network', 'hd']);
    await until(async () => (await driver.get(dom.name)).boot.enabled === 'Disabled', 5_000, 'the cache');
    expect((await driver.get(dom.name)).lastBoot?.target).toBe('Pxe');
  });

  it('a USB stick is hot-plugged as a removable USB disk and unplugged again', async () => {
    await driver.insertMedia(dom.name, 'UsbStick', { kind: 'path', path: dom.isoPath });
    expect(live(dom.name)).toMatch(/bus='usb' removable='on'/);
    expect((await driver.get(dom.name)).media.find((m) => m.slot === 'UsbStick')?.inserted).toBe(true);
    await driver.ejectMedia(dom.name, 'UsbStick');
    expect(live(dom.name)).not.toMatch(/bus='usb'/);
    expect(inactive(dom.name)).not.toMatch(/bus='usb'/);
  });

  it('UEFI + secure boot: firmware auto-selection picks the MS-enrolled OVMF with a fresh NVRAM', async () => {
    await driver.power(dom.name, 'ForceOff');
    await waitForPower(driver, dom.uuid, 'Off', 20_000);
    await driver.setBootOverride(dom.name, { mode: 'UEFI' });
    await driver.setSecureBoot(dom.name, true);
    const xml = inactive(dom.name);
    expect(xml).toContain(`<os firmware='efi'>`);
    expect(xml).toMatch(/<feature enabled='yes' name='secure-boot'\/>/);
    expect(xml).toMatch(/<smm state='on'\/>/);
    await driver.power(dom.name, 'On');
    const running = live(dom.name);
    expect(running).toMatch(
      /<loader readonly='yes' secure='yes' type='pflash'>\/usr\/share\/OVMF\/OVMF_CODE_4M\.ms\.fd/,
    );
    expect(running).toMatch(/<nvram template='\/usr\/share\/OVMF\/OVMF_VARS_4M\.ms\.fd'>/);
    expect((await driver.get(dom.name)).secureBoot).toEqual({ enabled: true, currentBoot: true });
    await driver.power(dom.name, 'ForceOff');
    await driver.setBootOverride(dom.name, { mode: 'Legacy' });
    expect(inactive(dom.name)).not.toMatch(/firmware|loader|nvram/);
  });

  it('NMI, PowerCycle and a GracefulShutdown the OS-less guest ignores (PoweringOff, then ForceOff)', async () => {
    await driver.power(dom.name, 'On');
    await waitForPower(driver, dom.uuid, 'On', 20_000);
    const idBefore = /<domain type='qemu' id='(\d+)'/.exec(live(dom.name))![1];
    await driver.power(dom.name, 'Nmi');
    await driver.power(dom.name, 'PowerCycle');
    const idAfter = /<domain type='qemu' id='(\d+)'/.exec(live(dom.name))![1];
    expect(idAfter).not.toBe(idBefore);
    await driver.power(dom.name, 'GracefulShutdown');
    expect((await driver.get(dom.name)).powerState).toBe('PoweringOff');
    expect(virsh('domstate', dom.name).trim()).toBe('running');
    await driver.power(dom.name, 'ForceOff');
    expect((await driver.get(dom.name)).powerState).toBe('Off');
    expect(virsh('domstate', dom.name).trim()).toBe('shut off');
  });

  it('a burst of reads is served from the cache: 300 concurrent gets, at most one virsh', async () => {
    const before = driver.virshCalls;
    const nodes = await Promise.all(Array.from({ length: 300 }, () => driver.get(dom.uuid)));
    expect(new Set(nodes.map((n) => n.id)).size).toBe(1);
    expect(driver.virshCalls - before).toBeLessThanOrEqual(1);
  });
});
