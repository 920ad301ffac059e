import type { RedfishDeps } from '../deps.js';
import type { RouteDef } from '../route.js';
import { accountRoutes } from './accounts.js';
import { eventRoutes } from './events.js';
import { registryRoutes } from './registries.js';
import { rootRoutes } from './root.js';
import { sessionRoutes } from './sessions.js';
import { taskRoutes } from './tasks.js';
import { updateRoutes } from './update.js';

export { acceptsEventStream } from '../codec/event-service.js';

/** The service-level routes (everything that is not a system, manager or chassis), one file per service. */
export function serviceRoutes(d: RedfishDeps): RouteDef[] {
  return [
    ...rootRoutes(d),
    ...sessionRoutes(d),
    ...accountRoutes(d),
    ...registryRoutes(),
    ...taskRoutes(d),
    ...eventRoutes(d),
    ...updateRoutes(d),
  ];
}
