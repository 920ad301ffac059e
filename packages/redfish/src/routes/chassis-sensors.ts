import type { Node, SensorReading } from '@bmc-emu/core';
import * as rs from '../codec/sensors.js';
import type { RedfishDeps } from '../deps.js';
import type { Ctx, Json, RouteDef } from '../route.js';

const C = '/redfish/v1/Chassis/{id}';

/** Chassis Thermal and Power (what Ironic 21.x reads), ThermalSubsystem, PowerSubsystem and Sensors. */
export function chassisSensorRoutes(d: RedfishDeps): RouteDef[] {
  const read = (fn: (n: Node, r: SensorReading[], c: Ctx) => Json | undefined) => async (c: Ctx) => {
    const n = await c.node();
    return fn(n, await d.telemetry.readings(n), c);
  };
  const one = (c: Ctx, r: SensorReading[], key: string) => r.find((x) => x.def.id === c.params[key]);
  return [
    { path: `${C}/Thermal`, get: read(rs.thermalResource) },
    { path: `${C}/Power`, get: read(rs.powerResource) },
    { path: `${C}/Sensors`, get: read((n) => rs.sensorCollection(n, d.telemetry.sensors(n))) },
    {
      path: `${C}/Sensors/{sid}`,
      get: read((n, r, c) => {
        const hit = one(c, r, 'sid');
        return hit && rs.sensorResource(n, hit);
      }),
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
