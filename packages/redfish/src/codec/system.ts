import type { Node } from '@bmc-emu/core';
import { link, uri } from './uris.js';

export const RESET_TYPES = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'Nmi',
  'ForceOn',
  'PushPowerButton',
  'PowerCycle',
] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export const OVERRIDE_TARGETS = ['None', 'Pxe', 'Hdd', 'Cd', 'Usb', 'BiosSetup', 'UefiHttp', 'UefiShell'] as const;

const OK = { State: 'Enabled', Health: 'OK' };

/** Memory in GiB as a real number (0.25 for 256 MiB), rounded to 3 decimals. */
export function memoryGiB(mib: number): number {
  return Math.round((mib / 1024) * 1000) / 1000;
}

export function systemResource(n: Node): Record<string, unknown> {
  const id = n.id;
  return {
    '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
    '@odata.id': uri.system(id),
    Id: id,
    Name: n.name,
    Description: `bmc-emu node ${n.name} (${n.source})`,
    UUID: id,
    HostName: n.name,
    SystemType: 'Virtual',
    Manufacturer: n.manufacturer,
    Model: n.model,
    SerialNumber: n.serialNumber,
    PowerState: n.powerState,
    Status: { State: 'Enabled', Health: 'OK' },
    Boot: {
      BootSourceOverrideEnabled: n.boot.enabled,
      'BootSourceOverrideEnabled@Redfish.AllowableValues': ['Disabled', 'Once', 'Continuous'],
      BootSourceOverrideTarget: n.boot.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...OVERRIDE_TARGETS],
      BootSourceOverrideMode: n.boot.mode,
      'BootSourceOverrideMode@Redfish.AllowableValues': ['UEFI', 'Legacy'],
      HttpBootUri: n.boot.httpBootUri ?? null,
    },
    // ProcessorSummary/Status is deprecated (v1_16) and read by no client; MemorySummary/Status is deprecated too
    // but sushy 4.3 reads its HealthRollup (MemorySummaryField.health), so it stays
    ProcessorSummary: { Count: n.cpu.count, LogicalProcessorCount: n.cpu.count, Model: n.cpu.model },
    MemorySummary: { TotalSystemMemoryGiB: memoryGiB(n.memoryMiB), Status: OK },
    // the current home of the serial console (Manager/SerialConsole is deprecated since Manager v1_10)
    SerialConsole: { MaxConcurrentSessions: 1, IPMI: { ServiceEnabled: true } },
    BiosVersion: n.firmware === 'uefi' ? 'OVMF (bmc-emu)' : 'SeaBIOS (bmc-emu)',
    Processors: link(uri.processors(id)),
    Memory: link(uri.memory(id)),
    EthernetInterfaces: link(uri.nics(id)),
    SimpleStorage: link(uri.simpleStorage(id)),
    Storage: link(uri.storage(id)),
    Bios: link(uri.bios(id)),
    SecureBoot: link(uri.secureBoot(id)),
    VirtualMedia: link(uri.systemMedia(id)),
    Links: { Chassis: [link(uri.chassis(id))], ManagedBy: [link(uri.manager(id))] },
    ...(n.hypervisor !== undefined ? { Oem: { BmcEmu: { Hypervisor: n.hypervisor, HypervisorUri: n.source } } } : {}),
    Actions: {
      '#ComputerSystem.Reset': {
        target: uri.reset(id),
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
  };
}
