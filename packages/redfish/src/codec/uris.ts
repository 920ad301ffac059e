/** Every URI the service exposes, built in one place. */
export const V1 = '/redfish/v1';

export const uri = {
  root: V1,
  systems: `${V1}/Systems`,
  system: (id: string) => `${V1}/Systems/${id}`,
  reset: (id: string) => `${V1}/Systems/${id}/Actions/ComputerSystem.Reset`,
  processors: (id: string) => `${V1}/Systems/${id}/Processors`,
  memory: (id: string) => `${V1}/Systems/${id}/Memory`,
  nics: (id: string) => `${V1}/Systems/${id}/EthernetInterfaces`,
  simpleStorage: (id: string) => `${V1}/Systems/${id}/SimpleStorage`,
  storage: (id: string) => `${V1}/Systems/${id}/Storage`,
  bios: (id: string) => `${V1}/Systems/${id}/Bios`,
  biosSettings: (id: string) => `${V1}/Systems/${id}/Bios/Settings`,
  secureBoot: (id: string) => `${V1}/Systems/${id}/SecureBoot`,
  systemMedia: (id: string) => `${V1}/Systems/${id}/VirtualMedia`,
  managers: `${V1}/Managers`,
  manager: (id: string) => `${V1}/Managers/${id}`,
  managerMedia: (id: string) => `${V1}/Managers/${id}/VirtualMedia`,
  chassisList: `${V1}/Chassis`,
  chassis: (id: string) => `${V1}/Chassis/${id}`,
  sessionService: `${V1}/SessionService`,
  sessions: `${V1}/SessionService/Sessions`,
  accountService: `${V1}/AccountService`,
  accounts: `${V1}/AccountService/Accounts`,
  roles: `${V1}/AccountService/Roles`,
  eventService: `${V1}/EventService`,
  subscriptions: `${V1}/EventService/Subscriptions`,
  sse: `${V1}/EventService/SSE`,
  taskService: `${V1}/TaskService`,
  tasks: `${V1}/TaskService/Tasks`,
  taskMonitor: (id: string) => `${V1}/TaskService/TaskMonitors/${id}`,
  updateService: `${V1}/UpdateService`,
  registries: `${V1}/Registries`,
  jsonSchemas: `${V1}/JsonSchemas`,
};

export function link(path: string): { '@odata.id': string } {
  return { '@odata.id': path };
}

export function collection(type: string, name: string, path: string, members: string[]): Record<string, unknown> {
  return {
    '@odata.type': `#${type}.${type}`,
    '@odata.id': path,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map(link),
  };
}
