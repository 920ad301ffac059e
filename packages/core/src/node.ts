/** The one node model every front end shares. */

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export const POWER_ACTIONS = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'ForceRestart',
  'GracefulRestart',
  'PowerCycle',
  'Nmi',
] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

export const BOOT_TARGETS = [
  'None',
  'Pxe',
  'Hdd',
  'Cd',
  'Usb',
  'Floppy',
  'BiosSetup',
  'UefiHttp',
  'UefiShell',
] as const;
export type BootTarget = (typeof BOOT_TARGETS)[number];

export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export type BootEnabled = (typeof BOOT_ENABLED)[number];

export const BOOT_MODES = ['UEFI', 'Legacy'] as const;
export type BootMode = (typeof BOOT_MODES)[number];

export interface BootOverride {
  target: BootTarget;
  enabled: BootEnabled;
  /** Firmware mode of the node; changing it really switches the firmware. */
  mode: BootMode;
  /** For target UefiHttp: the URI the firmware should fetch. */
  httpBootUri?: string;
}

export const MEDIA_SLOTS = ['Cd', 'UsbStick', 'Floppy'] as const;
export type MediaSlot = (typeof MEDIA_SLOTS)[number];

export interface VirtualMedia {
  slot: MediaSlot;
  inserted: boolean;
  /** What the user asked for (a URL or a path), as shown to clients. */
  image?: string;
  /** The local file actually attached. */
  path?: string;
  writeProtected: boolean;
}

export interface Nic {
  mac: string;
  /** libvirt network or bridge the NIC is plugged into, when known. */
  network?: string;
  model?: string;
  linkUp: boolean;
}

export interface Disk {
  /** Device name inside the guest (vda, sda, hda). */
  target: string;
  bus: string;
  device: 'disk' | 'cdrom' | 'floppy' | 'lun';
  sizeBytes: number;
  path?: string;
}

export type FirmwareKind = 'bios' | 'uefi';

export interface SecureBoot {
  /** Setting that applies at the next boot. */
  enabled: boolean;
  /** What the current (or last) boot ran with. */
  currentBoot: boolean;
}

export type BiosValue = string | number | boolean;
export type BiosAttributes = Record<string, BiosValue>;

export interface Bios {
  attributes: BiosAttributes;
  /** Settings written but not applied: they take effect at the next power-on or reset. */
  pending: BiosAttributes;
}

export interface Node {
  /** libvirt domain UUID (or a stable UUID for memory nodes). */
  id: string;
  name: string;
  powerState: PowerState;
  boot: BootOverride;
  media: VirtualMedia[];
  nics: Nic[];
  cpu: { count: number; arch: string; model: string };
  memoryMiB: number;
  disks: Disk[];
  firmware: FirmwareKind;
  secureBoot: SecureBoot;
  bios: Bios;
  manufacturer: string;
  model: string;
  serialNumber: string;
  /** Which driver instance (e.g. libvirt URI) owns the node. */
  source: string;
  /** The named hypervisor the node lives on, when the driver aggregates several (HypervisorSet). */
  hypervisor?: string;
  /** What the most recent boot booted from (after a Once override was consumed). */
  lastBoot?: { target: BootTarget; mode: BootMode; at: string };
}

export type MediaSource =
  | { kind: 'path'; path: string; image?: string }
  | { kind: 'stream'; stream: NodeJS.ReadableStream; image?: string; fileName?: string };

export type NodeEventType = 'added' | 'removed' | 'power' | 'boot' | 'media' | 'bios' | 'secureBoot' | 'changed';

export interface NodeEvent {
  type: NodeEventType;
  nodeId: string;
  /** The node after the change (absent for 'removed'). */
  node?: Node;
}

export function cloneNode(node: Node): Node {
  return structuredClone(node);
}
