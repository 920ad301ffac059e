import type { BootEnabled, BootMode, BootOverride, BootTarget } from '@bmc-emu/core';
import { IpmiDecodeError, need } from './errors.js';

/** Boot device selector (param 5, data 2, bits 5:2). */
export const BOOT_DEVICE = {
  none: 0x0,
  pxe: 0x1,
  disk: 0x2,
  safeDisk: 0x3,
  diagPartition: 0x4,
  cdrom: 0x5,
  biosSetup: 0x6,
  remoteFloppy: 0x7,
  remoteCd: 0x8,
  remoteMedia: 0x9,
  remoteDisk: 0xb,
  floppy: 0xf,
} as const;

/** System Boot Options parameter 5 (5 bytes). */
export interface BootFlags {
  valid: boolean;
  persistent: boolean;
  efi: boolean;
  /** Bits of data 2 other than the device (CMOS clear, lock keyboard, screen blank, lock reset). */
  device: number;
  data2Other: number;
  /** Data 3..5 kept verbatim (console redirection, BIOS verbosity, mux, instance). */
  rest: Buffer;
}

export function decodeBootFlags(data: Buffer): BootFlags {
  need(data, 5, 'boot flags parameter');
  return {
    valid: (data[0]! & 0x80) !== 0,
    persistent: (data[0]! & 0x40) !== 0,
    efi: (data[0]! & 0x20) !== 0,
    device: (data[1]! >> 2) & 0x0f,
    data2Other: data[1]! & 0xc3,
    rest: Buffer.from(data.subarray(2, 5)),
  };
}

export function encodeBootFlags(f: BootFlags): Buffer {
  if (f.rest.length !== 3) throw new IpmiDecodeError('boot flags: data 3-5 must be 3 bytes');
  return Buffer.from([
    (f.valid ? 0x80 : 0) | (f.persistent ? 0x40 : 0) | (f.efi ? 0x20 : 0),
    ((f.device & 0x0f) << 2) | (f.data2Other & 0xc3),
    ...f.rest,
  ]);
}

const TARGET_OF_DEVICE: Record<number, BootTarget> = {
  [BOOT_DEVICE.none]: 'None',
  [BOOT_DEVICE.pxe]: 'Pxe',
  [BOOT_DEVICE.disk]: 'Hdd',
  [BOOT_DEVICE.safeDisk]: 'Hdd',
  [BOOT_DEVICE.diagPartition]: 'Hdd',
  [BOOT_DEVICE.cdrom]: 'Cd',
  [BOOT_DEVICE.biosSetup]: 'BiosSetup',
  [BOOT_DEVICE.remoteFloppy]: 'Floppy',
  [BOOT_DEVICE.remoteCd]: 'Cd',
  [BOOT_DEVICE.remoteMedia]: 'Cd',
  [BOOT_DEVICE.remoteDisk]: 'Hdd',
  [BOOT_DEVICE.floppy]: 'Floppy',
};

const DEVICE_OF_TARGET: Record<BootTarget, number> = {
  None: BOOT_DEVICE.none,
  Pxe: BOOT_DEVICE.pxe,
  Hdd: BOOT_DEVICE.disk,
  Cd: BOOT_DEVICE.cdrom,
  Usb: BOOT_DEVICE.remoteMedia,
  Floppy: BOOT_DEVICE.floppy,
  BiosSetup: BOOT_DEVICE.biosSetup,
  UefiHttp: BOOT_DEVICE.pxe,
  UefiShell: BOOT_DEVICE.none,
};

export function isKnownDevice(device: number): boolean {
  return device in TARGET_OF_DEVICE;
}

/** What the node model should hold after a Set Boot Options param 5. */
export function overrideFromFlags(f: BootFlags): Partial<BootOverride> {
  const mode: BootMode = f.efi ? 'UEFI' : 'Legacy';
  if (!f.valid) return { enabled: 'Disabled' };
  const target = TARGET_OF_DEVICE[f.device] ?? 'None';
  const enabled: BootEnabled = target === 'None' ? 'Disabled' : f.persistent ? 'Continuous' : 'Once';
  return { target, enabled, mode };
}

/** Param 5 as the node model shows it (used when no IPMI write of ours describes the current state). */
export function flagsFromOverride(o: BootOverride): BootFlags {
  const active = o.enabled !== 'Disabled' && o.target !== 'None';
  return {
    valid: active,
    persistent: o.enabled === 'Continuous',
    efi: o.mode === 'UEFI',
    device: active ? DEVICE_OF_TARGET[o.target] : BOOT_DEVICE.none,
    data2Other: 0,
    rest: Buffer.alloc(3),
  };
}

/** True when `flags` (what a client wrote) still describes `o` (what the node holds now). */
export function flagsDescribe(flags: BootFlags, o: BootOverride): boolean {
  const want = overrideFromFlags(flags);
  if (want.enabled === 'Disabled') return o.enabled === 'Disabled' || o.target === 'None';
  return want.target === o.target && want.enabled === o.enabled && want.mode === o.mode;
}
