import { type BootMode, type BootTarget, errors } from '@bmc-emu/core';
import { type DeviceRef, deviceRefs, isQ35 } from './domain-facts.js';
import type { SavedBoot } from './metadata.js';
import { attr, child, ensureChild, kids, removeChildren, setAttr, type XmlEl } from './xml.js';

/** `<os><boot dev>` value for each target that an OS-level boot list can express. */
const OS_DEV: Partial<Record<BootTarget, string>> = {
  Pxe: 'network',
  UefiHttp: 'network',
  Hdd: 'hd',
  Cd: 'cdrom',
  Floppy: 'fd',
};
const DEVICE_KIND: Partial<Record<BootTarget, DeviceRef['kind'][]>> = {
  Pxe: ['network'],
  UefiHttp: ['network'],
  Hdd: ['disk'],
  Cd: ['cdrom'],
  Floppy: ['floppy'],
  Usb: ['usb'],
};
const OS_DEV_KINDS: Record<string, DeviceRef['kind'][]> = {
  network: ['network'],
  hd: ['disk', 'usb'],
  cdrom: ['cdrom'],
  fd: ['floppy'],
};

/** Boot targets this driver can express in libvirt XML. */
export const LIBVIRT_BOOT_TARGETS: readonly BootTarget[] = ['None', 'Pxe', 'Hdd', 'Cd', 'Floppy', 'Usb', 'UefiHttp'];

export function captureBoot(domain: XmlEl): SavedBoot {
  const os = child(domain, 'os');
  const orders: Record<string, number> = {};
  for (const d of deviceRefs(domain)) if (d.order !== undefined) orders[d.key] = d.order;
  return { devs: kids(os, 'boot').map((b) => attr(b, 'dev') ?? 'hd'), orders };
}

function setDeviceOrder(d: DeviceRef, order: number | undefined): void {
  if (order === undefined) removeChildren(d.el, 'boot');
  else d.el.boot = [{ $: { order: String(order) } }];
}

/** Put the domain's boot configuration back exactly as captured. */
export function restoreBoot(domain: XmlEl, saved: SavedBoot): void {
  const os = ensureChild(domain, 'os');
  if (saved.devs.length) os.boot = saved.devs.map((dev) => ({ $: { dev } }));
  else removeChildren(os, 'boot');
  for (const d of deviceRefs(domain)) setDeviceOrder(d, saved.orders[d.key]);
}

/**
 * Make `target` boot first, keeping every other boot device (disks included) after it in its
 * original order. A domain that uses per-device `<boot order>` keeps using it (libvirt refuses both
 * styles at once); otherwise the `<os><boot dev>` list is rewritten.
 */
export function applyBootTarget(domain: XmlEl, target: BootTarget, saved: SavedBoot): void {
  const refs = deviceRefs(domain);
  const perDevice = Object.keys(saved.orders).length > 0 || (target === 'Usb' && saved.devs.length === 0);
  const kinds = DEVICE_KIND[target];
  if (!kinds) throw errors.unsupported(`libvirt cannot boot a domain from ${target}.`, { target });
  if (perDevice || target === 'Usb') {
    const first = refs.filter((d) => kinds.includes(d.kind));
    if (first.length === 0) {
      throw errors.conflict(`The domain has no ${target} device to boot from; add one first.`, { target });
    }
    const rest = perDevice
      ? refs.filter((d) => !first.includes(d) && saved.orders[d.key] !== undefined)
      : saved.devs.flatMap((dev) => refs.filter((d) => (OS_DEV_KINDS[dev] ?? []).includes(d.kind)));
    const sortedRest = perDevice
      ? rest.sort((a, b) => saved.orders[a.key]! - saved.orders[b.key]!)
      : rest.filter((d, i) => !first.includes(d) && rest.indexOf(d) === i);
    for (const d of refs) setDeviceOrder(d, undefined);
    for (const [i, d] of [...first, ...sortedRest].entries()) setDeviceOrder(d, i + 1);
    removeChildren(ensureChild(domain, 'os'), 'boot');
    return;
  }
  const dev = OS_DEV[target]!;
  const devs = [dev, ...saved.devs.filter((d) => d !== dev)];
  if (!saved.devs.includes('hd') && dev !== 'hd') devs.push('hd');
  ensureChild(domain, 'os').boot = devs.map((d) => ({ $: { dev: d } }));
}

function setFirmwareFeatures(os: XmlEl, secure: boolean): void {
  os.firmware = [
    {
      feature: [
        { $: { enabled: secure ? 'yes' : 'no', name: 'enrolled-keys' } },
        { $: { enabled: secure ? 'yes' : 'no', name: 'secure-boot' } },
      ],
    },
  ];
}

/**
 * Switch firmware: UEFI uses libvirt's firmware auto-selection (`<os firmware='efi'>`, which picks
 * OVMF_CODE_4M[.ms].fd and a per-domain NVRAM from the matching vars template); Legacy is SeaBIOS.
 */
export function setFirmware(domain: XmlEl, mode: BootMode, secure: boolean): void {
  const os = ensureChild(domain, 'os');
  removeChildren(os, 'loader');
  removeChildren(os, 'nvram');
  if (mode === 'Legacy') {
    setAttr(os, 'firmware', undefined);
    removeChildren(os, 'firmware');
    return;
  }
  const machine = attr(child(os, 'type'), 'machine') ?? 'pc';
  if (secure && !isQ35(machine)) {
    throw errors.conflict(`Secure boot needs a q35 machine (SMM); this domain is ${machine}.`, { machine });
  }
  setAttr(os, 'firmware', 'efi');
  setFirmwareFeatures(os, secure);
  if (secure) {
    const features = ensureChild(domain, 'features');
    features.smm = [{ $: { state: 'on' } }];
  }
}
