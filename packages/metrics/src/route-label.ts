/**
 * Collection names whose next path segment is a member id. Replacing those ids with `{id}` keeps the
 * Redfish request counter's label set bounded however many nodes, sessions or tasks there are.
 */
const COLLECTIONS = new Set([
  'Systems',
  'Managers',
  'Chassis',
  'Sessions',
  'Accounts',
  'Roles',
  'Subscriptions',
  'Tasks',
  'TaskMonitors',
  'VirtualMedia',
  'EthernetInterfaces',
  'Processors',
  'Memory',
  'Storage',
  'Drives',
  'Volumes',
  'SimpleStorage',
  'Registries',
  'Sensors',
  'LogServices',
  'Entries',
  'FirmwareInventory',
  'SoftwareInventory',
  'Members',
]);

const MAX_SEGMENTS = 8;

/** `/redfish/v1/Systems/4c4c.../Actions/ComputerSystem.Reset` -> `/redfish/v1/Systems/{id}/Actions/ComputerSystem.Reset`. */
export function routeLabel(path: string): string {
  const bare = path.split('?', 1)[0]!;
  if (!bare.startsWith('/redfish')) return bare.startsWith('/console') ? '/console' : 'other';
  const parts = bare.split('/').filter(Boolean).slice(0, MAX_SEGMENTS);
  for (let i = 1; i < parts.length; i++) {
    if (COLLECTIONS.has(parts[i - 1]!) && parts[i] !== '$metadata') parts[i] = '{id}';
  }
  return `/${parts.join('/')}`;
}
