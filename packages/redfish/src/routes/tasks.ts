import { taskServiceDocument } from '../codec/task-service.js';
import { collection, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import type { RouteDef } from '../route.js';
import { taskResource } from '../tasks.js';

export function taskRoutes(d: RedfishDeps): RouteDef[] {
  return [
    { path: uri.taskService, get: async () => taskServiceDocument(new Date()) },
    {
      path: uri.tasks,
      get: async () =>
        collection(
          'TaskCollection',
          'Tasks',
          uri.tasks,
          d.tasks.list().map((t) => `${uri.tasks}/${t.id}`),
        ),
    },
    {
      path: `${uri.tasks}/{tid}`,
      get: async (c) => {
        const t = d.tasks.get(c.params.tid ?? '');
        return t ? taskResource(t) : undefined;
      },
    },
    {
      path: '/redfish/v1/TaskService/TaskMonitors/{tid}',
      raw: async (c) => {
        const t = d.tasks.get(c.params.tid ?? '');
        if (!t) return undefined;
        if (t.state === 'Running') {
          return {
            status: 202,
            body: taskResource(t),
            headers: { Location: uri.taskMonitor(t.id), 'Retry-After': '1' },
          };
        }
        return t.result ?? { status: 204 };
      },
    },
  ];
}
