import type { Node, SensorDef, SensorReading, Thresholds } from '@bmc-emu/core';
import { messageInfo } from '../codec/messages.js';
import * as rs from '../codec/sensors.js';
import type { RedfishDeps } from '../deps.js';
import { RedfishHttpError } from '../http-error.js';
import type { Ctx, Json, RouteDef } from '../route.js';

const C = '/redfish/v1/Chassis/{id}';

/** Chassis Thermal and Power (what Ironic 21.x reads), ThermalSubsystem, PowerSubsystem and Sensors. */
export function chassisSensorRoutes(d: RedfishDeps): RouteDef[] {
  const read = (fn: (n: Node, r: SensorReading[], c: Ctx) => Json | undefined) => async (c: Ctx) => {
    const n = await c.node();
    return fn(n, await d.telemetry.readings(n), c);
  };
  const one = (c: Ctx, r: SensorReading[], key: string) => r.find((x) => x.def.id === c.params[key]);
  // a PATCH's spec is asked for (synchronously) right after the GET view of the same request: keep its sensor
  const viewed = new WeakMap<object, SensorDef>();
  return [
    { path: `${C}/Thermal`, get: read(rs.thermalResource) },
    { path: `${C}/Power`, get: read(rs.powerResource) },
    { path: `${C}/Sensors`, get: read((n) => rs.sensorCollection(n, d.telemetry.sensors(n))) },
    {
      path: `${C}/Sensors/{sid}`,
      get: read((n, r, c) => {
        const hit = one(c, r, 'sid');
        if (hit) viewed.set(c.req, hit.def);
        return hit && rs.sensorResource(n, hit);
      }),
      patch: {
        privilege: 'ConfigureComponents',
        spec: (c) => {
          const def = viewed.get(c.req);
          return def ? rs.sensorPatchSpec(def) : {};
        },
        apply: async (c, v) => {
          const n = await c.node();
          const def = d.telemetry.sensors(n).find((x) => x.id === c.params.sid);
          if (!def) return undefined;
          const body = (v.Thresholds ?? {}) as Record<string, { Reading?: number }>;
          const change: Thresholds = {};
          for (const [key, t] of Object.entries(body)) {
            const name = rs.SENSOR_THRESHOLD_KEYS[key];
            if (name && typeof t.Reading === 'number') change[name] = t.Reading;
          }
          const verdict = await d.telemetry.setThresholds(n.id, def.number, change);
          if (!verdict) return undefined;
          if (!verdict.ok) {
            const key = Object.entries(rs.SENSOR_THRESHOLD_KEYS).find(([, x]) => x === verdict.threshold)?.[0] ?? '';
            const path = `Thresholds/${key}/Reading`;
            const info =
              verdict.reason === 'outOfOrder'
                ? messageInfo('PropertyValueConflict', [path, 'Thresholds'], path)
                : messageInfo('PropertyValueError', [path], path);
            throw new RedfishHttpError(400, [info]);
          }
          return undefined;
        },
      },
    },
    { path: `${C}/ThermalSubsystem`, get: read(rs.thermalSubsystemResource) },
    { path: `${C}/ThermalSubsystem/ThermalMetrics`, get: read(rs.thermalMetricsResource) },
    { path: `${C}/ThermalSubsystem/Fans`, get: read((n) => rs.fanCollection(n, d.telemetry.sensors(n))) },
    {
      path: `${C}/ThermalSubsystem/Fans/{fid}`,
      get: read((n, r, c) => {
        const hit = one(c, r, 'fid');
        return hit?.def.kind === 'fan' ? rs.fanResource(n, hit) : undefined;
      }),
    },
    { path: `${C}/PowerSubsystem`, get: read(rs.powerSubsystemResource) },
    { path: `${C}/PowerSubsystem/PowerSupplies`, get: read((n) => rs.powerSupplyCollection(n)) },
    {
      path: `${C}/PowerSubsystem/PowerSupplies/{pid}`,
      get: read((n, r, c) => (c.params.pid === 'PSU1' ? rs.powerSupplyResource(n, r) : undefined)),
    },
    {
      path: `${C}/PowerSubsystem/PowerSupplies/{pid}/Metrics`,
      get: read((n, r, c) => (c.params.pid === 'PSU1' ? rs.powerSupplyMetricsResource(n, r) : undefined)),
    },
  ];
}
