/** The TaskService document. Pure. */
import { link, uri } from './uris.js';

export function taskServiceDocument(now: Date): Record<string, unknown> {
  return {
    '@odata.type': '#TaskService.v1_2_0.TaskService',
    '@odata.id': uri.taskService,
    Id: 'TaskService',
    Name: 'Task Service',
    ServiceEnabled: true,
    CompletedTaskOverWritePolicy: 'Oldest',
    DateTime: now.toISOString(),
    Status: { State: 'Enabled', Health: 'OK' },
    Tasks: link(uri.tasks),
  };
}
