/** Hardware inventory resources of a system: processors, memory, NICs, storage. */
import type { Disk, Nic, Node } from '@bmc-emu/core';
import { collection, link, uri } from './uris.js';

const OK = { State: 'Enabled', Health: 'OK' };

export function nicId(index: number): string {
  return `nic${index}`;
}

export function processorCollection(n: Node) {
  return collection('ProcessorCollection', 'Processors', uri.processors(n.id), [`${uri.processors(n.id)}/CPU0`]);
}

function isaOf(arch: string): { ProcessorArchitecture: string; InstructionSet: string } {
  if (arch === 'aarch64') return { ProcessorArchitecture: 'ARM', InstructionSet: 'ARM-A64' };
  if (arch === 'i686') return { ProcessorArchitecture: 'x86', InstructionSet: 'x86' };
  return { ProcessorArchitecture: 'x86', InstructionSet: 'x86-64' };
}

export function processorResource(n: Node, procId: string) {
  if (procId !== 'CPU0') return undefined;
  return {
    '@odata.type': '#Processor.v1_18_0.Processor',
    '@odata.id': `${uri.processors(n.id)}/CPU0`,
    Id: 'CPU0',
    Name: 'Processor',
    Socket: 'CPU 0',
    ProcessorType: 'CPU',
    ...isaOf(n.cpu.arch),
    Manufacturer: 'QEMU',
    Model: n.cpu.model,
    TotalCores: n.cpu.count,
    TotalThreads: n.cpu.count,
    Status: OK,
  };
}

export function memoryCollection(n: Node) {
  return collection('MemoryCollection', 'Memory', uri.memory(n.id), [`${uri.memory(n.id)}/DIMM0`]);
}

export function memoryResource(n: Node, dimm: string) {
  if (dimm !== 'DIMM0') return undefined;
  return {
    '@odata.type': '#Memory.v1_17_0.Memory',
    '@odata.id': `${uri.memory(n.id)}/DIMM0`,
    Id: 'DIMM0',
    Name: 'DIMM 0',
    MemoryType: 'DRAM',
    MemoryDeviceType: 'DDR4',
    CapacityMiB: n.memoryMiB,
    Status: OK,
  };
}

export function nicCollection(n: Node) {
  return collection(
    'EthernetInterfaceCollection',
    'Ethernet Interfaces',
    uri.nics(n.id),
    n.nics.map((_, i) => `${uri.nics(n.id)}/${nicId(i)}`),
  );
}

export function nicResource(n: Node, id: string) {
  const i = n.nics.findIndex((_, k) => nicId(k) === id);
  const nic: Nic | undefined = n.nics[i];
  if (!nic) return undefined;
  return {
    '@odata.type': '#EthernetInterface.v1_9_0.EthernetInterface',
    '@odata.id': `${uri.nics(n.id)}/${id}`,
    Id: id,
    Name: `NIC ${i}`,
    MACAddress: nic.mac,
    PermanentMACAddress: nic.mac,
    LinkStatus: nic.linkUp ? 'LinkUp' : 'LinkDown',
    InterfaceEnabled: true,
    SpeedMbps: 1000,
    Status: OK,
    ...(nic.network ? { Description: `attached to ${nic.network}` } : {}),
  };
}

function fixedDisks(n: Node): Disk[] {
  return n.disks.filter((d) => d.device === 'disk' || d.device === 'lun');
}

function controllerOf(bus: string): string {
  return bus.replace(/[^A-Za-z0-9_-]/g, '') || 'disk';
}

export function simpleStorageCollection(n: Node) {
  const buses = [...new Set(fixedDisks(n).map((d) => controllerOf(d.bus)))];
  return collection(
    'SimpleStorageCollection',
    'Simple Storage',
    uri.simpleStorage(n.id),
    buses.map((b) => `${uri.simpleStorage(n.id)}/${b}`),
  );
}

export function simpleStorageResource(n: Node, ctl: string) {
  const disks = fixedDisks(n).filter((d) => controllerOf(d.bus) === ctl);
  if (!disks.length) return undefined;
  return {
    '@odata.type': '#SimpleStorage.v1_3_1.SimpleStorage',
    '@odata.id': `${uri.simpleStorage(n.id)}/${ctl}`,
    Id: ctl,
    Name: `${ctl} controller`,
    Devices: disks.map((d) => ({ Name: d.target, CapacityBytes: d.sizeBytes, Status: OK })),
    Status: OK,
  };
}

export function storageCollection(n: Node) {
  return collection('StorageCollection', 'Storage', uri.storage(n.id), [`${uri.storage(n.id)}/1`]);
}

export function storageResource(n: Node, sid: string) {
  if (sid !== '1') return undefined;
  const base = `${uri.storage(n.id)}/1`;
  return {
    '@odata.type': '#Storage.v1_13_0.Storage',
    '@odata.id': base,
    Id: '1',
    Name: 'Local Storage Controller',
    Drives: fixedDisks(n).map((d) => link(`${base}/Drives/${d.target}`)),
    'Drives@odata.count': fixedDisks(n).length,
    Volumes: link(`${base}/Volumes`),
    Status: OK,
  };
}

export function driveResource(n: Node, target: string) {
  const d = fixedDisks(n).find((x) => x.target === target);
  if (!d) return undefined;
  return {
    '@odata.type': '#Drive.v1_15_0.Drive',
    '@odata.id': `${uri.storage(n.id)}/1/Drives/${d.target}`,
    Id: d.target,
    Name: d.target,
    CapacityBytes: d.sizeBytes,
    Protocol: d.bus === 'sata' ? 'SATA' : d.bus === 'scsi' ? 'SAS' : 'PCIe',
    MediaType: 'HDD',
    Status: OK,
  };
}

export function volumeCollection(n: Node) {
  const base = `${uri.storage(n.id)}/1/Volumes`;
  return collection(
    'VolumeCollection',
    'Volumes',
    base,
    fixedDisks(n).map((d) => `${base}/${d.target}`),
  );
}

export function volumeResource(n: Node, target: string) {
  const d = fixedDisks(n).find((x) => x.target === target);
  if (!d) return undefined;
  return {
    '@odata.type': '#Volume.v1_9_0.Volume',
    '@odata.id': `${uri.storage(n.id)}/1/Volumes/${d.target}`,
    Id: d.target,
    Name: d.target,
    CapacityBytes: d.sizeBytes,
    VolumeType: 'RawDevice',
    Status: OK,
  };
}
