/** What the console API sends (the server's NodeView and the core's RackEvent, as JSON). */

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface User {
  userName: string;
  role: 'Administrator' | 'Operator' | 'ReadOnly';
  canAct: boolean;
}

export interface NodeView {
  id: string;
  name: string;
  powerState: PowerState;
  boot: { target: string; enabled: 'Disabled' | 'Once' | 'Continuous'; mode: 'UEFI' | 'Legacy' };
  media: Array<{ slot: string; inserted: boolean; image?: string; writeProtected: boolean }>;
  nics: Array<{ mac: string; network?: string; model?: string; linkUp: boolean; ip?: string }>;
  cpu: { count: number; arch: string; model: string };
  memoryMiB: number;
  disks: Array<{ target: string; bus: string; device: string; sizeBytes: number }>;
  firmware: 'bios' | 'uefi';
  secureBoot: { enabled: boolean; currentBoot: boolean };
  bios: { attributes: Record<string, string | number | boolean>; pending: Record<string, string | number | boolean> };
  manufacturer: string;
  model: string;
  serialNumber: string;
  source: string;
  lastBoot?: { target: string; mode: string; at: string };
  endpoints: { ipmi?: string; redfish?: string };
  removed?: boolean;
}

export interface RackEvent {
  seq: number;
  time: number;
  kind: string;
  node?: string;
  [field: string]: unknown;
}

export const POWER_ACTIONS = ['On', 'GracefulShutdown', 'ForceOff', 'GracefulRestart', 'ForceRestart'] as const;
export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd', 'Cd', 'Usb', 'BiosSetup', 'UefiHttp', 'UefiShell'] as const;
export const MEDIA_SLOTS = ['Cd', 'UsbStick', 'Floppy'] as const;
export const EVENT_KINDS = [
  'power',
  'boot',
  'media',
  'media-download',
  'node',
  'ipmi',
  'redfish',
  'dhcp',
  'tftp',
  'http',
  'driver-error',
  'lab',
  'sel',
] as const;

/** A lab as serve knows it (`GET /console/api/labs`; packages/manage's LabRecord as JSON). */
export interface LabNode {
  name: string;
  role: 'bootstrap' | 'master' | 'arbiter' | 'worker' | 'extra';
  domain: string;
  uuid: string;
  bootMac: string;
  bmc: { kind: string; address: string };
}

export interface LabRunStep {
  index: number;
  step: string;
  state: 'running' | 'done' | 'failed';
  error?: string;
  startedAt: number;
  endedAt?: number;
}

export interface LabRun {
  runId: string;
  run: 'up' | 'down';
  title: string;
  state: 'running' | 'done' | 'failed';
  total: number;
  steps: LabRunStep[];
  error?: string;
  startedAt: number;
  endedAt?: number;
}

export interface LabRecord {
  report: {
    name: string;
    stateDir: string;
    mode: 'ipi' | 'upi';
    baseDomain: string;
    libvirtUri: string;
    apiVIPs: string[];
    ingressVIPs: string[];
    networks: Array<{ name: string; purpose: 'baremetal' | 'provisioning'; mode: string; cidrs: string[] }>;
    installConfig?: string;
    nextCommand?: string;
    nodes: LabNode[];
  };
  updatedAt: number;
  lastRun?: LabRun;
  built?: { objects: number; pending: number; byKind: Record<string, number> } | null;
}
