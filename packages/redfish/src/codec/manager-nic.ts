import type { BmcLan, Node } from '@bmc-emu/core';
import { logUri } from './log-service.js';
import { collection, link, uri } from './uris.js';

export const managerNicUri = {
  list: (id: string) => `${uri.manager(id)}/EthernetInterfaces`,
  one: (id: string) => `${uri.manager(id)}/EthernetInterfaces/1`,
};

/** Links a Manager carries to its SEL and its LAN interface. */
export function managerTelemetryLinks(id: string) {
  return { LogServices: link(logUri.services(id)), EthernetInterfaces: link(managerNicUri.list(id)) };
}

export function managerNicCollection(n: Node) {
  return collection('EthernetInterfaceCollection', 'Manager Ethernet Interfaces', managerNicUri.list(n.id), [
    managerNicUri.one(n.id),
  ]);
}

export function managerNicResource(n: Node, lan: BmcLan) {
  return {
    '@odata.type': '#EthernetInterface.v1_9_0.EthernetInterface',
    '@odata.id': managerNicUri.one(n.id),
    Id: '1',
    Name: 'Manager Ethernet Interface',
    Description: 'The BMC LAN channel: the address and MAC IPMI LAN parameters 3 and 5 report.',
    HostName: `${n.name}-bmc`,
    MACAddress: lan.mac,
    PermanentMACAddress: lan.mac,
    InterfaceEnabled: true,
    LinkStatus: 'LinkUp',
    IPv4Addresses: [{ Address: lan.address, SubnetMask: lan.netmask, AddressOrigin: 'Static', Gateway: lan.gateway }],
    // the same address IPMI LAN parameter 56 (IPv6 static address, set 0) reports
    IPv6Addresses: lan.ipv6
      ? [
          {
            Address: lan.ipv6.address,
            PrefixLength: lan.ipv6.prefixLength,
            AddressOrigin: 'Static',
            AddressState: 'Preferred',
          },
        ]
      : [],
    IPv6StaticAddresses: lan.ipv6 ? [{ Address: lan.ipv6.address, PrefixLength: lan.ipv6.prefixLength }] : [],
    VLAN: { VLANEnable: lan.vlanId !== undefined, VLANId: lan.vlanId ?? 0 },
    Status: { State: 'Enabled', Health: 'OK' },
  };
}
