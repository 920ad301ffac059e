import type { Node, SelEntry } from '@bmc-emu/core';
import { collection, link, uri } from './uris.js';

export const logUri = {
  services: (id: string) => `${uri.manager(id)}/LogServices`,
  sel: (id: string) => `${uri.manager(id)}/LogServices/SEL`,
  entries: (id: string) => `${uri.manager(id)}/LogServices/SEL/Entries`,
  entry: (id: string, eid: number | string) => `${uri.manager(id)}/LogServices/SEL/Entries/${eid}`,
  clear: (id: string) => `${uri.manager(id)}/LogServices/SEL/Actions/LogService.ClearLog`,
};

/** Seconds since 1970 as Redfish's DateTime (offset form, no milliseconds). */
export function redfishTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function logServiceCollection(n: Node) {
  return collection('LogServiceCollection', 'Log Services', logUri.services(n.id), [logUri.sel(n.id)]);
}

export function selLogService(n: Node, selTime: number, maxEntries: number) {
  return {
    '@odata.type': '#LogService.v1_4_0.LogService',
    '@odata.id': logUri.sel(n.id),
    Id: 'SEL',
    Name: 'System Event Log',
    Description: 'The BMC System Event Log: the same entries IPMI Get SEL Entry returns.',
    LogEntryType: 'SEL',
    MaxNumberOfRecords: maxEntries,
    OverWritePolicy: 'WrapsWhenFull',
    DateTime: redfishTime(selTime),
    DateTimeLocalOffset: '+00:00',
    ServiceEnabled: true,
    Entries: link(logUri.entries(n.id)),
    Actions: { '#LogService.ClearLog': { target: logUri.clear(n.id) } },
    Status: { State: 'Enabled', Health: 'OK' },
  };
}

/** The IPMI sensor type of the entry, by the names LogEntry.SensorType allows. */
function sensorTypeOf(e: SelEntry): string {
  switch (e.kind) {
    case 'power':
      if (e.power === 'On' || e.power === 'Off') return 'System ACPI PowerState';
      return e.power === 'PowerCycle' ? 'PowerUnit' : 'SystemBoot/Restart';
    case 'boot':
    case 'media':
    case 'bmc':
      return 'System Event';
    case 'cleared':
      return 'Event Logging Disabled';
    case 'threshold':
      switch (e.threshold!.sensorKind) {
        case 'temperature':
          return 'Temperature';
        case 'fan':
          return 'Fan';
        case 'voltage':
          return 'Voltage';
        case 'power':
          return 'Other Units-based Sensor';
      }
  }
}

export function logEntryResource(n: Node, e: SelEntry) {
  return {
    '@odata.type': '#LogEntry.v1_15_0.LogEntry',
    '@odata.id': logUri.entry(n.id, e.id),
    Id: String(e.id),
    Name: `SEL entry ${e.id}`,
    EntryType: 'SEL',
    Created: redfishTime(e.timestamp),
    Severity: e.severity,
    Message: e.message,
    SensorType: sensorTypeOf(e),
    ...(e.threshold ? { SensorNumber: e.threshold.sensorNumber } : {}),
    EntryCode: e.threshold && !e.threshold.asserted ? 'Deassert' : 'Assert',
    Links: { OriginOfCondition: link(e.threshold ? uri.chassis(n.id) : uri.system(n.id)) },
  };
}

/** The entries, expanded inline (as BMCs commonly do: a log is read whole), newest last. */
export function logEntryCollection(n: Node, entries: SelEntry[]) {
  return {
    '@odata.type': '#LogEntryCollection.LogEntryCollection',
    '@odata.id': logUri.entries(n.id),
    Name: 'System Event Log Entries',
    'Members@odata.count': entries.length,
    Members: entries.map((e) => logEntryResource(n, e)),
  };
}
