import type { FieldSpec } from '../codec/patch.js';
import { hypervisorChassisId, hypervisorChassisResource, hypervisorOfChassis } from '../codec/hypervisor-chassis.js';
import { type ChassisState, chassisResource, managerResource, networkProtocolResource } from '../codec/service.js';
import { collection, uri } from '../codec/uris.js';
import { httpError, RedfishHttpError } from '../http-error.js';
import type { RedfishDeps } from '../deps.js';
import type { RouteDef } from '../route.js';

export function managerRoutes(d: RedfishDeps): RouteDef[] {
  const led = (id: string): ChassisState => d.chassis.get(id);
  const chassisSpec: Record<string, FieldSpec> = {
    IndicatorLED: { kind: 'enum', values: ['Lit', 'Blinking', 'Off'] },
    LocationIndicatorActive: { kind: 'boolean' },
  };
  return [
    {
      path: uri.managers,
      get: async () =>
        collection(
          'ManagerCollection',
          'Manager Collection',
          uri.managers,
          (await d.driver.list()).map((n) => uri.manager(n.id)),
        ),
    },
    {
      path: '/redfish/v1/Managers/{id}',
      get: async (c) => managerResource(await c.node(), new Date(), d.firmwareVersion),
    },
    {
      path: '/redfish/v1/Managers/{id}/NetworkProtocol',
      get: async (c) => networkProtocolResource(await c.node(), d.port, d.tls),
    },
    {
      path: '/redfish/v1/Managers/{id}/Actions/Manager.Reset',
      post: {
        privilege: 'ConfigureManager',
        handler: async (c) => {
          await c.node();
          return { status: 204 };
        },
      },
    },
    {
      path: uri.chassisList,
      get: async () =>
        collection('ChassisCollection', 'Chassis Collection', uri.chassisList, [
          ...(await d.driver.list()).map((n) => uri.chassis(n.id)),
          ...(d.driver.hypervisors?.() ?? []).map((h) => uri.chassis(hypervisorChassisId(h.name))),
        ]),
    },
    {
      path: '/redfish/v1/Chassis/{id}',
      get: async (c) => {
        const hv = hypervisorOfChassis(c.params.id ?? '', d.driver.hypervisors?.() ?? []);
        if (hv) return hypervisorChassisResource(hv, hv.up ? await d.driver.list().catch(() => []) : []);
        const n = await c.node();
        return chassisResource(n, led(n.id));
      },
      patch: {
        privilege: 'ConfigureComponents',
        spec: () => chassisSpec,
        apply: async (c, v) => {
          if (hypervisorOfChassis(c.params.id ?? '', d.driver.hypervisors?.() ?? [])) {
            throw new RedfishHttpError(
              405,
              httpError(405, 'OperationNotAllowed').infos,
              'A hypervisor chassis is read-only.',
              {
                Allow: 'GET, HEAD',
              },
            );
          }
          const n = await c.node();
          const st = { ...led(n.id) };
          if (typeof v.IndicatorLED === 'string') st.indicatorLed = v.IndicatorLED as ChassisState['indicatorLed'];
          if (typeof v.LocationIndicatorActive === 'boolean')
            st.indicatorLed = v.LocationIndicatorActive ? 'Lit' : 'Off';
          d.chassis.set(n.id, st);
          return undefined;
        },
      },
    },
  ];
}
