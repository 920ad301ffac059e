import { decodeAction } from '../codec/action.js';
import * as log from '../codec/log-service.js';
import { managerNicCollection, managerNicResource } from '../codec/manager-nic.js';
import type { RedfishDeps } from '../deps.js';
import { RedfishHttpError } from '../http-error.js';
import type { RouteDef } from '../route.js';
import { redfishActor } from './actor.js';

const M = '/redfish/v1/Managers/{id}';

/** Manager LogServices/SEL (the core SEL, shared with IPMI) and the BMC's LAN interface. */
export function managerLogRoutes(d: RedfishDeps): RouteDef[] {
  const sel = d.telemetry.sel;
  return [
    { path: `${M}/LogServices`, get: async (c) => log.logServiceCollection(await c.node()) },
    {
      path: `${M}/LogServices/SEL`,
      get: async (c) => {
        const n = await c.node();
        return log.selLogService(n, sel.time(n.id), sel.maxEntries);
      },
    },
    {
      path: `${M}/LogServices/SEL/Entries`,
      get: async (c) => {
        const n = await c.node();
        await d.telemetry.ready;
        return log.logEntryCollection(n, sel.entries(n.id));
      },
    },
    {
      path: `${M}/LogServices/SEL/Entries/{eid}`,
      get: async (c) => {
        const n = await c.node();
        await d.telemetry.ready;
        const e = sel.entries(n.id).find((x) => String(x.id) === c.params.eid);
        return e && log.logEntryResource(n, e);
      },
    },
    {
      path: `${M}/LogServices/SEL/Actions/LogService.ClearLog`,
      post: {
        privilege: 'ConfigureManager',
        handler: async (c, body) => {
          const r = decodeAction('LogService.ClearLog', {}, body ?? {});
          if (!r.ok) throw new RedfishHttpError(400, r.errors);
          const n = await c.node();
          await d.telemetry.ready;
          sel.clear(n.id, redfishActor(c));
          return { status: 204 };
        },
      },
    },
    { path: `${M}/EthernetInterfaces`, get: async (c) => managerNicCollection(await c.node()) },
    {
      path: `${M}/EthernetInterfaces/{nid}`,
      get: async (c) => {
        const n = await c.node();
        return c.params.nid === '1' ? managerNicResource(n, d.telemetry.lan(n.id, d.bind)) : undefined;
      },
    },
  ];
}
