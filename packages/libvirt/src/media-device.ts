import { errors } from '@bmc-emu/core';
import { child, type XmlEl } from './xml.js';

/** The first free `<target dev>` with this prefix (sd, hd, vd), skipping the ones in use. */
export function freeTarget(domain: XmlEl, prefix: string): string {
  const used = new Set(
    (child(domain, 'devices')?.disk as XmlEl[] | undefined)?.map((d) => child(d, 'target')?.$?.dev) ?? [],
  );
  for (let i = 0; i < 26; i++) {
    const dev = `${prefix}${String.fromCharCode(97 + i)}`;
    if (!used.has(dev)) return dev;
  }
  throw errors.conflict(`no free ${prefix}X target left`);
}

/** `<disk device='cdrom'>` on the bus the machine type supports (sata on q35, ide on pc). */
export function cdromElement(target: string, bus: string, path?: string): XmlEl {
  const el: XmlEl = {
    $: { type: 'file', device: 'cdrom' },
    driver: [{ $: { name: 'qemu', type: 'raw' } }],
    target: [{ $: { dev: target, bus } }],
    readonly: [{}],
  };
  if (path) el.source = [{ $: { file: path } }];
  return el;
}

/** A removable USB disk: what a BMC's virtual USB stick looks like to the guest. */
export function usbStickElement(target: string, path: string): XmlEl {
  return {
    $: { type: 'file', device: 'disk' },
    driver: [{ $: { name: 'qemu', type: 'raw' } }],
    source: [{ $: { file: path } }],
    target: [{ $: { dev: target, bus: 'usb', removable: 'on' } }],
  };
}

export function addDisk(domain: XmlEl, disk: XmlEl): void {
  let devices = child(domain, 'devices');
  if (!devices) {
    devices = {};
    domain.devices = [devices];
  }
  devices.disk = [...((devices.disk as XmlEl[] | undefined) ?? []), disk];
}

export function removeDisk(domain: XmlEl, target: string): void {
  const devices = child(domain, 'devices');
  if (!devices) return;
  devices.disk = ((devices.disk as XmlEl[] | undefined) ?? []).filter((d) => child(d, 'target')?.$?.dev !== target);
}

export function findDisk(domain: XmlEl, target: string): XmlEl | undefined {
  return ((child(domain, 'devices')?.disk as XmlEl[] | undefined) ?? []).find(
    (d) => child(d, 'target')?.$?.dev === target,
  );
}
