import type { BootMode, BootTarget, Disk, Nic } from '@bmc-emu/core';
import { normalizeMac } from '@bmc-emu/core';
import { type BmcState, readState } from './metadata.js';
import { attr, child, childText, kids, type XmlEl } from './xml.js';

export interface DeviceRef {
  /** Stable key: `disk:<target dev>` or `nic:<mac>`. */
  key: string;
  kind: 'disk' | 'cdrom' | 'floppy' | 'usb' | 'network';
  order?: number;
  el: XmlEl;
}

export interface MediaDevice {
  target: string;
  bus: string;
  device: 'cdrom' | 'floppy' | 'disk';
  source?: string;
}

/** What bmc-emu needs to know about one domain, read from one (live or inactive) domain XML. */
export interface DomainFacts {
  uuid: string;
  name: string;
  /** The live XML carries `id` only while the domain runs. */
  liveId?: string;
  arch: string;
  machine: string;
  memoryMiB: number;
  vcpus: number;
  cpuModel: string;
  firmware: 'uefi' | 'bios';
  secureBoot: boolean;
  bootDevs: string[];
  devices: DeviceRef[];
  nics: Nic[];
  disks: Disk[];
  cdroms: MediaDevice[];
  usbSticks: MediaDevice[];
  floppies: MediaDevice[];
  serialPty?: string;
  state: BmcState;
}

const MEMORY_UNITS: Record<string, number> = {
  b: 1 / 1024 ** 2,
  bytes: 1 / 1024 ** 2,
  kb: 1000 / 1024 ** 2,
  k: 1 / 1024,
  kib: 1 / 1024,
  mb: 1e6 / 1024 ** 2,
  m: 1,
  mib: 1,
  gb: 1e9 / 1024 ** 2,
  g: 1024,
  gib: 1024,
};

function memoryMiB(el: XmlEl | undefined): number {
  const value = Number(el?._ ?? 0) || 0;
  const unit = (attr(el, 'unit') ?? 'KiB').toLowerCase();
  return Math.round(value * (MEMORY_UNITS[unit] ?? 1 / 1024));
}

export function isQ35(machine: string): boolean {
  return machine.includes('q35');
}

function firmwareOf(os: XmlEl | undefined): { firmware: 'uefi' | 'bios'; secureBoot: boolean } {
  const loader = child(os, 'loader');
  const features = kids(child(os, 'firmware'), 'feature');
  const feature = (name: string) => features.find((f) => attr(f, 'name') === name);
  const uefi =
    attr(os, 'firmware') === 'efi' ||
    attr(loader, 'type') === 'pflash' ||
    /OVMF|edk2|AAVMF/i.test(loader?._ ?? '') ||
    features.length > 0;
  const secureFeature = feature('secure-boot');
  const secureBoot =
    uefi &&
    (secureFeature ? attr(secureFeature, 'enabled') === 'yes' : attr(loader, 'secure') === 'yes') &&
    !(attr(feature('enrolled-keys'), 'enabled') === 'no');
  return { firmware: uefi ? 'uefi' : 'bios', secureBoot };
}

function macOf(raw: string | undefined): string {
  try {
    return normalizeMac(raw ?? '');
  } catch {
    return (raw ?? '').toLowerCase();
  }
}

function diskKind(disk: XmlEl): DeviceRef['kind'] {
  const device = attr(disk, 'device') ?? 'disk';
  if (device === 'cdrom') return 'cdrom';
  if (device === 'floppy') return 'floppy';
  return attr(child(disk, 'target'), 'bus') === 'usb' ? 'usb' : 'disk';
}

function sourceOf(disk: XmlEl): string | undefined {
  const src = child(disk, 'source');
  return attr(src, 'file') ?? attr(src, 'dev') ?? attr(src, 'name') ?? attr(src, 'volume');
}

function orderOf(el: XmlEl): number | undefined {
  const o = attr(child(el, 'boot'), 'order');
  return o === undefined ? undefined : Number(o);
}

export function deviceRefs(domain: XmlEl): DeviceRef[] {
  const devices = child(domain, 'devices');
  const refs: DeviceRef[] = [];
  for (const disk of kids(devices, 'disk')) {
    const dev = attr(child(disk, 'target'), 'dev') ?? '?';
    refs.push({ key: `disk:${dev}`, kind: diskKind(disk), order: orderOf(disk), el: disk });
  }
  for (const nic of kids(devices, 'interface')) {
    const mac = attr(child(nic, 'mac'), 'address') ?? '?';
    refs.push({ key: `nic:${mac.toLowerCase()}`, kind: 'network', order: orderOf(nic), el: nic });
  }
  return refs;
}

export function domainFacts(domain: XmlEl, sizes: Record<string, number> = {}): DomainFacts {
  const os = child(domain, 'os');
  const type = child(os, 'type');
  const devices = child(domain, 'devices');
  const cpu = child(domain, 'cpu');
  const { firmware, secureBoot } = firmwareOf(os);
  const media = (d: XmlEl): MediaDevice => ({
    target: attr(child(d, 'target'), 'dev') ?? '?',
    bus: attr(child(d, 'target'), 'bus') ?? 'ide',
    device: (attr(d, 'device') ?? 'disk') as MediaDevice['device'],
    source: sourceOf(d),
  });
  const disks = kids(devices, 'disk');
  const serial = kids(devices, 'serial').find((s) => attr(s, 'type') === 'pty');
  return {
    uuid: childText(domain, 'uuid') ?? '',
    name: childText(domain, 'name') ?? '',
    liveId: attr(domain, 'id'),
    arch: attr(type, 'arch') ?? 'x86_64',
    machine: attr(type, 'machine') ?? 'pc',
    memoryMiB: memoryMiB(child(domain, 'memory')),
    vcpus: Number(childText(domain, 'vcpu') ?? 1) || 1,
    cpuModel: childText(cpu, 'model') ?? attr(cpu, 'mode') ?? 'qemu64',
    firmware,
    secureBoot,
    bootDevs: kids(os, 'boot').map((b) => attr(b, 'dev') ?? 'hd'),
    devices: deviceRefs(domain),
    nics: kids(devices, 'interface').map((nic) => ({
      mac: macOf(attr(child(nic, 'mac'), 'address')),
      network: attr(child(nic, 'source'), 'bridge') ?? attr(child(nic, 'source'), 'network'),
      model: attr(child(nic, 'model'), 'type'),
      linkUp: attr(child(nic, 'link'), 'state') !== 'down',
    })),
    disks: disks.map((d) => {
      const m = media(d);
      const disk: Disk = {
        target: m.target,
        bus: m.bus,
        device: (attr(d, 'device') ?? 'disk') as Disk['device'],
        sizeBytes: sizes[m.target] ?? 0,
      };
      if (m.source) disk.path = m.source;
      return disk;
    }),
    cdroms: disks.filter((d) => diskKind(d) === 'cdrom').map(media),
    usbSticks: disks.filter((d) => diskKind(d) === 'usb').map(media),
    floppies: disks.filter((d) => diskKind(d) === 'floppy').map(media),
    serialPty: attr(child(serial, 'source'), 'path') ?? attr(serial, 'tty'),
    state: readState(domain),
  };
}

const DEV_TARGET: Record<string, BootTarget> = { network: 'Pxe', cdrom: 'Cd', hd: 'Hdd', fd: 'Floppy' };
const KIND_TARGET: Record<DeviceRef['kind'], BootTarget> = {
  network: 'Pxe',
  cdrom: 'Cd',
  disk: 'Hdd',
  floppy: 'Floppy',
  usb: 'Usb',
};

/** What the firmware boots first with this configuration. */
export function firstBootTarget(facts: DomainFacts): BootTarget {
  const ordered = facts.devices.filter((d) => d.order !== undefined).sort((a, b) => a.order! - b.order!);
  if (ordered[0]) return KIND_TARGET[ordered[0].kind];
  return DEV_TARGET[facts.bootDevs[0] ?? 'hd'] ?? 'Hdd';
}

export function bootMode(facts: DomainFacts): BootMode {
  return facts.firmware === 'uefi' ? 'UEFI' : 'Legacy';
}

/**
 * Everything that decides how the domain boots. When the persistent and the live signature differ, a
 * reset would boot the old configuration, so a restart must be a destroy + start instead.
 */
export function bootSignature(facts: DomainFacts): string {
  const orders = facts.devices
    .filter((d) => d.order !== undefined)
    .map((d) => `${d.key}=${d.order}`)
    .sort();
  return JSON.stringify([facts.firmware, facts.secureBoot, facts.bootDevs, orders]);
}
