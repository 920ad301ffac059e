/** Service root, managers, chassis and the service singletons. */
import type { Node } from '@bmc-emu/core';
import { hypervisorChassisId } from './hypervisor-chassis.js';
import { managerTelemetryLinks } from './manager-nic.js';
import { chassisSensorLinks } from './sensors.js';
import { link, uri, V1 } from './uris.js';

export const REDFISH_VERSION = '1.17.0';

export function versionDocument() {
  return { v1: `${V1}/` };
}

export function serviceRoot(serviceUuid: string) {
  return {
    '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
    '@odata.id': V1,
    Id: 'RootService',
    Name: 'bmc-emu Redfish Service',
    RedfishVersion: REDFISH_VERSION,
    UUID: serviceUuid,
    Vendor: 'bmc-emu',
    Product: 'bmc-emu',
    ProtocolFeaturesSupported: {
      ExpandQuery: { ExpandAll: true, Levels: true, MaxLevels: 1, Links: true, NoLinks: true },
      SelectQuery: true,
      OnlyMemberQuery: true,
      FilterQuery: false,
      ExcerptQuery: false,
    },
    Systems: link(uri.systems),
    Managers: link(uri.managers),
    Chassis: link(uri.chassisList),
    SessionService: link(uri.sessionService),
    AccountService: link(uri.accountService),
    EventService: link(uri.eventService),
    // ServiceRoot_v1's navigation property is `Tasks` (sushy 4.3 follows `Tasks` too); no client reads `TaskService`
    Tasks: link(uri.taskService),
    UpdateService: link(uri.updateService),
    Registries: link(uri.registries),
    JsonSchemas: link(uri.jsonSchemas),
    Links: { Sessions: link(uri.sessions) },
  };
}

export function odataDocument() {
  // [service root property name, URI segment]: they differ only for the TaskService
  const names: Array<[string, string]> = [
    ['Systems', 'Systems'],
    ['Managers', 'Managers'],
    ['Chassis', 'Chassis'],
    ['SessionService', 'SessionService'],
    ['AccountService', 'AccountService'],
    ['EventService', 'EventService'],
    ['Tasks', 'TaskService'],
    ['UpdateService', 'UpdateService'],
    ['Registries', 'Registries'],
    ['JsonSchemas', 'JsonSchemas'],
  ];
  return {
    '@odata.context': `${V1}/$metadata`,
    value: [
      { name: 'Service', kind: 'Singleton', url: `${V1}/` },
      ...names.map(([name, seg]) => ({ name, kind: 'Singleton', url: `${V1}/${seg}` })),
    ],
  };
}

const SCHEMAS: Array<[string, string]> = [
  ['ServiceRoot', 'v1_15_0'],
  ['ComputerSystem', 'v1_20_0'],
  ['ComputerSystemCollection', ''],
  ['Manager', 'v1_17_0'],
  ['ManagerCollection', ''],
  ['Chassis', 'v1_22_0'],
  ['ChassisCollection', ''],
  ['Processor', 'v1_18_0'],
  ['ProcessorCollection', ''],
  ['Memory', 'v1_17_0'],
  ['MemoryCollection', ''],
  ['EthernetInterface', 'v1_9_0'],
  ['EthernetInterfaceCollection', ''],
  ['SimpleStorage', 'v1_3_1'],
  ['SimpleStorageCollection', ''],
  ['Storage', 'v1_13_0'],
  ['StorageCollection', ''],
  ['Drive', 'v1_15_0'],
  ['Volume', 'v1_9_0'],
  ['VolumeCollection', ''],
  ['Bios', 'v1_2_0'],
  ['SecureBoot', 'v1_1_0'],
  ['VirtualMedia', 'v1_6_0'],
  ['VirtualMediaCollection', ''],
  ['SessionService', 'v1_1_9'],
  ['Session', 'v1_6_0'],
  ['SessionCollection', ''],
  ['AccountService', 'v1_13_0'],
  ['ManagerAccount', 'v1_10_0'],
  ['ManagerAccountCollection', ''],
  ['Role', 'v1_3_1'],
  ['RoleCollection', ''],
  ['EventService', 'v1_10_0'],
  ['EventDestination', 'v1_13_0'],
  ['EventDestinationCollection', ''],
  ['Event', 'v1_8_0'],
  ['TaskService', 'v1_2_0'],
  ['Task', 'v1_7_0'],
  ['TaskCollection', ''],
  ['UpdateService', 'v1_11_0'],
  ['MessageRegistryFile', 'v1_1_3'],
  ['MessageRegistryFileCollection', ''],
  ['JsonSchemaFileCollection', ''],
  ['ManagerNetworkProtocol', 'v1_9_0'],
  ['Message', 'v1_1_1'],
  ['Settings', 'v1_3_5'],
  ['Thermal', 'v1_7_1'],
  ['Power', 'v1_7_1'],
  ['Sensor', 'v1_7_0'],
  ['SensorCollection', ''],
  ['ThermalSubsystem', 'v1_3_0'],
  ['ThermalMetrics', 'v1_3_0'],
  ['Fan', 'v1_5_0'],
  ['FanCollection', ''],
  ['PowerSubsystem', 'v1_1_0'],
  ['PowerSupply', 'v1_5_0'],
  ['PowerSupplyCollection', ''],
  ['PowerSupplyMetrics', 'v1_1_0'],
  ['LogService', 'v1_4_0'],
  ['LogServiceCollection', ''],
  ['LogEntry', 'v1_15_0'],
  ['LogEntryCollection', ''],
];

/** The CSDL $metadata document: references to the DMTF schemas the service uses. */
export function metadataXml(): string {
  const refs = SCHEMAS.map(([name, ver]) => {
    const ns = ver ? `${name}.${ver}` : name;
    return [
      `  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/${name}_v1.xml">`,
      `    <edmx:Include Namespace="${name}"/>`,
      ver ? `    <edmx:Include Namespace="${ns}"/>` : '',
      '  </edmx:Reference>',
    ]
      .filter(Boolean)
      .join('\n');
  }).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
${refs}
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">
      <EntityContainer Name="Service" Extends="ServiceRoot.v1_15_0.ServiceContainer"/>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
}

export function managerResource(n: Node, now: Date, firmwareVersion: string) {
  const id = n.id;
  return {
    '@odata.type': '#Manager.v1_17_0.Manager',
    '@odata.id': uri.manager(id),
    Id: id,
    Name: `BMC of ${n.name}`,
    UUID: id,
    ManagerType: 'BMC',
    Model: 'bmc-emu',
    FirmwareVersion: firmwareVersion,
    DateTime: now.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    DateTimeLocalOffset: '+00:00',
    PowerState: 'On',
    Status: { State: 'Enabled', Health: 'OK' },
    NetworkProtocol: link(`${uri.manager(id)}/NetworkProtocol`),
    ...managerTelemetryLinks(id),
    // deprecated (Manager v1_10: use the system's), kept because Ironic 21.4's redfish-virtual-media boot finds
    // the media through the manager (sushy Manager.virtual_media)
    VirtualMedia: link(uri.managerMedia(id)),
    Links: { ManagerForServers: [link(uri.system(id))], ManagerForChassis: [link(uri.chassis(id))] },
    Actions: {
      '#Manager.Reset': {
        target: `${uri.manager(id)}/Actions/Manager.Reset`,
        'ResetType@Redfish.AllowableValues': ['GracefulRestart'],
      },
    },
  };
}

export function networkProtocolResource(n: Node, httpsPort: number, tls: boolean) {
  return {
    '@odata.type': '#ManagerNetworkProtocol.v1_9_0.ManagerNetworkProtocol',
    '@odata.id': `${uri.manager(n.id)}/NetworkProtocol`,
    Id: 'NetworkProtocol',
    Name: 'Manager Network Protocol',
    HostName: n.name,
    HTTP: { ProtocolEnabled: !tls, Port: tls ? null : httpsPort },
    HTTPS: { ProtocolEnabled: tls, Port: tls ? httpsPort : null },
    IPMI: { ProtocolEnabled: true, Port: 623 },
    Status: { State: 'Enabled', Health: 'OK' },
  };
}

export interface ChassisState {
  indicatorLed: 'Lit' | 'Blinking' | 'Off';
}

export function chassisResource(n: Node, st: ChassisState) {
  const id = n.id;
  return {
    '@odata.type': '#Chassis.v1_22_0.Chassis',
    '@odata.id': uri.chassis(id),
    Id: id,
    Name: `Chassis of ${n.name}`,
    ChassisType: 'RackMount',
    Manufacturer: n.manufacturer,
    Model: n.model,
    SerialNumber: n.serialNumber,
    PowerState: n.powerState === 'PoweringOn' ? 'On' : n.powerState === 'PoweringOff' ? 'Off' : n.powerState,
    // deprecated (Chassis v1_14, LocationIndicatorActive replaces it), kept: sushy 4.3 reads and PATCHes it, and
    // Ironic 21.4 get/set_indicator_state and redfishtool `Chassis setLED` go through it
    IndicatorLED: st.indicatorLed,
    LocationIndicatorActive: st.indicatorLed !== 'Off',
    Status: { State: 'Enabled', Health: 'OK' },
    ...chassisSensorLinks(id),
    Links: {
      ComputerSystems: [link(uri.system(id))],
      ManagedBy: [link(uri.manager(id))],
      ...(n.hypervisor !== undefined ? { ContainedBy: link(uri.chassis(hypervisorChassisId(n.hypervisor))) } : {}),
    },
  };
}
