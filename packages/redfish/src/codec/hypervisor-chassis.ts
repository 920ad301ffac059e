import type { HypervisorStatus, Node } from '@bmc-emu/core';
import { link, uri } from './uris.js';

/** Chassis ids of hypervisors: `hv-<name>` (node chassis are domain UUIDs). */
const PREFIX = 'hv-';

export const hypervisorChassisId = (name: string): string => `${PREFIX}${name}`;

/** The hypervisor a chassis id names, if it is one of `hypervisors`. */
export function hypervisorOfChassis(
  id: string,
  hypervisors: readonly HypervisorStatus[],
): HypervisorStatus | undefined {
  if (!id.startsWith(PREFIX)) return undefined;
  const name = id.slice(PREFIX.length);
  return hypervisors.find((h) => h.name === name);
}

/** One Chassis per hypervisor: the host the nodes run on, its health, and the UUIDs it also reports. */
export function hypervisorChassisResource(h: HypervisorStatus, nodes: readonly Node[]): Record<string, unknown> {
  const id = hypervisorChassisId(h.name);
  const mine = nodes.filter((n) => n.hypervisor === h.name);
  return {
    '@odata.type': '#Chassis.v1_22_0.Chassis',
    '@odata.id': uri.chassis(id),
    Id: id,
    Name: `Hypervisor ${h.name}`,
    Description: `libvirt hypervisor ${h.uri}`,
    ChassisType: 'RackMount',
    Manufacturer: 'libvirt',
    Model: 'Hypervisor',
    PowerState: h.up ? 'On' : 'Off',
    Status: h.up ? { State: 'Enabled', Health: 'OK' } : { State: 'UnavailableOffline', Health: 'Critical' },
    Links: {
      ComputerSystems: mine.map((n) => link(uri.system(n.id))),
      Contains: mine.map((n) => link(uri.chassis(n.id))),
    },
    Oem: {
      BmcEmu: {
        Hypervisor: h.name,
        Uri: h.uri,
        Up: h.up,
        Reason: h.reason ?? null,
        Since: h.since,
        Nodes: h.nodes,
        DuplicateUuids: h.duplicates.map((d) => ({ Uuid: d.id, ServedBy: d.servedBy })),
      },
    },
  };
}
