import type { Node, SensorDef, SensorReading, ThresholdName, Thresholds } from '@bmc-emu/core';
import type { FieldSpec, PatchSpec } from './patch.js';
import { collection, link, uri } from './uris.js';

/** Every URI of the chassis sensor resources, built in one place. */
export const sensorUri = {
  thermal: (id: string) => `${uri.chassis(id)}/Thermal`,
  power: (id: string) => `${uri.chassis(id)}/Power`,
  sensors: (id: string) => `${uri.chassis(id)}/Sensors`,
  sensor: (id: string, sid: string) => `${uri.chassis(id)}/Sensors/${sid}`,
  thermalSubsystem: (id: string) => `${uri.chassis(id)}/ThermalSubsystem`,
  thermalMetrics: (id: string) => `${uri.chassis(id)}/ThermalSubsystem/ThermalMetrics`,
  fans: (id: string) => `${uri.chassis(id)}/ThermalSubsystem/Fans`,
  fan: (id: string, fid: string) => `${uri.chassis(id)}/ThermalSubsystem/Fans/${fid}`,
  powerSubsystem: (id: string) => `${uri.chassis(id)}/PowerSubsystem`,
  powerSupplies: (id: string) => `${uri.chassis(id)}/PowerSubsystem/PowerSupplies`,
  powerSupply: (id: string, pid: string) => `${uri.chassis(id)}/PowerSubsystem/PowerSupplies/${pid}`,
  powerSupplyMetrics: (id: string, pid: string) => `${uri.chassis(id)}/PowerSubsystem/PowerSupplies/${pid}/Metrics`,
};

/** Links a Chassis carries to its sensor resources (Thermal and Power: Ironic 21.x reads them). */
export function chassisSensorLinks(id: string) {
  return {
    Thermal: link(sensorUri.thermal(id)),
    Power: link(sensorUri.power(id)),
    ThermalSubsystem: link(sensorUri.thermalSubsystem(id)),
    PowerSubsystem: link(sensorUri.powerSubsystem(id)),
    Sensors: link(sensorUri.sensors(id)),
  };
}

/** Redfish Status of a sensor: judged sensors are Enabled; fans and CPU of a host that is off are StandbyOffline. */
function status(r: SensorReading) {
  return { State: r.judged ? 'Enabled' : 'StandbyOffline', Health: r.health };
}

/** The Thermal/Power (deprecated schema) threshold properties. */
function legacyThresholds(t: Thresholds) {
  const out: Record<string, number> = {};
  if (t.lowerNonCritical !== undefined) out.LowerThresholdNonCritical = t.lowerNonCritical;
  if (t.lowerCritical !== undefined) out.LowerThresholdCritical = t.lowerCritical;
  if (t.lowerNonRecoverable !== undefined) out.LowerThresholdFatal = t.lowerNonRecoverable;
  if (t.upperNonCritical !== undefined) out.UpperThresholdNonCritical = t.upperNonCritical;
  if (t.upperCritical !== undefined) out.UpperThresholdCritical = t.upperCritical;
  if (t.upperNonRecoverable !== undefined) out.UpperThresholdFatal = t.upperNonRecoverable;
  return out;
}

/** Sensor.v1 Thresholds: caution = non-critical, critical, fatal = non-recoverable. */
export const SENSOR_THRESHOLD_KEYS: Record<string, ThresholdName> = {
  LowerCaution: 'lowerNonCritical',
  LowerCritical: 'lowerCritical',
  LowerFatal: 'lowerNonRecoverable',
  UpperCaution: 'upperNonCritical',
  UpperCritical: 'upperCritical',
  UpperFatal: 'upperNonRecoverable',
};

function sensorThresholds(t: Thresholds) {
  const out: Record<string, { Reading: number }> = {};
  for (const [key, name] of Object.entries(SENSOR_THRESHOLD_KEYS)) {
    const v = t[name];
    if (v !== undefined) out[key] = { Reading: v };
  }
  return out;
}

/**
 * What a PATCH of a Sensor may write: `Thresholds/<key>/Reading` (read-write in Sensor.v1) of the thresholds
 * the sensor lets a client set; the others exist and so answer PropertyNotWritable.
 */
export function sensorPatchSpec(def: SensorDef): PatchSpec {
  const fields: Record<string, FieldSpec> = {};
  for (const [key, name] of Object.entries(SENSOR_THRESHOLD_KEYS)) {
    if (def.settable.includes(name) && def.thresholds[name] !== undefined) {
      fields[key] = { kind: 'object', fields: { Reading: { kind: 'integer', min: 0, max: 255 * def.resolution } } };
    }
  }
  return { Thresholds: { kind: 'object', fields } };
}

/** The most an 8-bit IPMI sensor of this resolution can read: the same range both protocols show. */
const rangeMax = (d: SensorDef) => 255 * d.resolution;

export function thermalResource(n: Node, readings: SensorReading[]) {
  const base = sensorUri.thermal(n.id);
  const temps = readings.filter((r) => r.def.kind === 'temperature');
  const fans = readings.filter((r) => r.def.kind === 'fan');
  return {
    '@odata.type': '#Thermal.v1_7_1.Thermal',
    '@odata.id': base,
    Id: 'Thermal',
    Name: 'Thermal',
    Temperatures: temps.map((r, i) => ({
      '@odata.id': `${base}#/Temperatures/${i}`,
      MemberId: r.def.id,
      Name: r.def.name,
      SensorNumber: r.def.number,
      ReadingCelsius: r.value,
      MinReadingRangeTemp: 0,
      MaxReadingRangeTemp: rangeMax(r.def),
      PhysicalContext: r.def.context,
      ...legacyThresholds(r.def.thresholds),
      Status: status(r),
    })),
    Fans: fans.map((r, i) => ({
      '@odata.id': `${base}#/Fans/${i}`,
      MemberId: r.def.id,
      Name: r.def.name,
      SensorNumber: r.def.number,
      Reading: r.value,
      ReadingUnits: 'RPM',
      MinReadingRange: 0,
      MaxReadingRange: rangeMax(r.def),
      PhysicalContext: 'SystemBoard',
      ...legacyThresholds(r.def.thresholds),
      Status: status(r),
    })),
    Status: { State: 'Enabled', Health: worst(readings) },
  };
}

function worst(readings: SensorReading[]): 'OK' | 'Warning' | 'Critical' {
  if (readings.some((r) => r.health === 'Critical')) return 'Critical';
  return readings.some((r) => r.health === 'Warning') ? 'Warning' : 'OK';
}

/** What the one PSU is rated for. */
export const PSU_CAPACITY_WATTS = 1100;

export function powerResource(n: Node, readings: SensorReading[]) {
  const base = sensorUri.power(n.id);
  const watts = readings.find((r) => r.def.kind === 'power');
  const volts = readings.filter((r) => r.def.kind === 'voltage');
  const psuVolts = volts.find((r) => r.def.context === 'PowerSupply');
  return {
    '@odata.type': '#Power.v1_7_1.Power',
    '@odata.id': base,
    Id: 'Power',
    Name: 'Power',
    PowerControl: watts
      ? [
          {
            '@odata.id': `${base}#/PowerControl/0`,
            MemberId: '0',
            Name: 'System Power Control',
            PowerConsumedWatts: watts.value,
            PowerCapacityWatts: PSU_CAPACITY_WATTS,
            PowerMetrics: {
              IntervalInMin: 1,
              MinConsumedWatts: watts.value,
              MaxConsumedWatts: watts.value,
              AverageConsumedWatts: watts.value,
            },
            Status: status(watts),
          },
        ]
      : [],
    Voltages: volts.map((r, i) => ({
      '@odata.id': `${base}#/Voltages/${i}`,
      MemberId: r.def.id,
      Name: r.def.name,
      SensorNumber: r.def.number,
      ReadingVolts: r.value,
      MinReadingRange: 0,
      MaxReadingRange: rangeMax(r.def),
      PhysicalContext: r.def.context,
      ...legacyThresholds(r.def.thresholds),
      Status: status(r),
    })),
    PowerSupplies: watts
      ? [
          {
            '@odata.id': `${base}#/PowerSupplies/0`,
            MemberId: 'PSU1',
            Name: 'PSU1',
            PowerSupplyType: 'AC',
            LineInputVoltageType: 'ACWideRange',
            LineInputVoltage: psuVolts?.value ?? null,
            PowerInputWatts: watts.value,
            LastPowerOutputWatts: watts.value,
            PowerCapacityWatts: PSU_CAPACITY_WATTS,
            InputRanges: [
              {
                InputType: 'AC',
                MinimumVoltage: psuVolts?.def.thresholds.lowerCritical ?? 180,
                MaximumVoltage: psuVolts?.def.thresholds.upperCritical ?? 260,
                OutputWattage: PSU_CAPACITY_WATTS,
              },
            ],
            Manufacturer: n.manufacturer,
            Model: 'Virtual PSU',
            SerialNumber: `${n.serialNumber}-PSU1`,
            Status: worstStatus([watts, ...(psuVolts ? [psuVolts] : [])]),
          },
        ]
      : [],
  };
}

function worstStatus(rs: SensorReading[]) {
  return { State: 'Enabled', Health: worst(rs) };
}

const READING_TYPE = { temperature: 'Temperature', fan: 'Rotational', power: 'Power', voltage: 'Voltage' } as const;

export function sensorCollection(n: Node, defs: SensorDef[]) {
  return collection(
    'SensorCollection',
    'Sensors',
    sensorUri.sensors(n.id),
    defs.map((d) => sensorUri.sensor(n.id, d.id)),
  );
}

export function sensorResource(n: Node, r: SensorReading) {
  return {
    '@odata.type': '#Sensor.v1_7_0.Sensor',
    '@odata.id': sensorUri.sensor(n.id, r.def.id),
    Id: r.def.id,
    Name: r.def.name,
    ReadingType: READING_TYPE[r.def.kind],
    Reading: r.value,
    ReadingUnits: r.def.unit,
    ReadingRangeMin: 0,
    ReadingRangeMax: rangeMax(r.def),
    Precision: 0,
    PhysicalContext: r.def.context,
    Thresholds: sensorThresholds(r.def.thresholds),
    Status: status(r),
  };
}

/** A SensorExcerpt pointing at the Sensor resource it comes from. */
const excerpt = (n: Node, r: SensorReading) => ({ DataSourceUri: sensorUri.sensor(n.id, r.def.id), Reading: r.value });

export function thermalSubsystemResource(n: Node, readings: SensorReading[]) {
  return {
    '@odata.type': '#ThermalSubsystem.v1_3_0.ThermalSubsystem',
    '@odata.id': sensorUri.thermalSubsystem(n.id),
    Id: 'ThermalSubsystem',
    Name: 'Thermal Subsystem',
    Fans: link(sensorUri.fans(n.id)),
    ThermalMetrics: link(sensorUri.thermalMetrics(n.id)),
    Status: {
      State: 'Enabled',
      Health: worst(readings.filter((r) => r.def.kind !== 'power' && r.def.kind !== 'voltage')),
    },
  };
}

export function thermalMetricsResource(n: Node, readings: SensorReading[]) {
  return {
    '@odata.type': '#ThermalMetrics.v1_3_0.ThermalMetrics',
    '@odata.id': sensorUri.thermalMetrics(n.id),
    Id: 'ThermalMetrics',
    Name: 'Thermal Metrics',
    TemperatureReadingsCelsius: readings
      .filter((r) => r.def.kind === 'temperature')
      .map((r) => ({ ...excerpt(n, r), DeviceName: r.def.name })),
  };
}

export function fanCollection(n: Node, defs: SensorDef[]) {
  const fans = defs.filter((d) => d.kind === 'fan');
  return collection(
    'FanCollection',
    'Fans',
    sensorUri.fans(n.id),
    fans.map((d) => sensorUri.fan(n.id, d.id)),
  );
}

export function fanResource(n: Node, r: SensorReading) {
  return {
    '@odata.type': '#Fan.v1_5_0.Fan',
    '@odata.id': sensorUri.fan(n.id, r.def.id),
    Id: r.def.id,
    Name: r.def.name,
    PhysicalContext: 'SystemBoard',
    SpeedPercent: { DataSourceUri: sensorUri.sensor(n.id, r.def.id), SpeedRPM: r.value },
    Status: status(r),
  };
}

export function powerSubsystemResource(n: Node, readings: SensorReading[]) {
  return {
    '@odata.type': '#PowerSubsystem.v1_1_0.PowerSubsystem',
    '@odata.id': sensorUri.powerSubsystem(n.id),
    Id: 'PowerSubsystem',
    Name: 'Power Subsystem',
    CapacityWatts: PSU_CAPACITY_WATTS,
    PowerSupplies: link(sensorUri.powerSupplies(n.id)),
    Status: { State: 'Enabled', Health: worst(readings.filter((r) => r.def.context === 'PowerSupply')) },
  };
}

export function powerSupplyCollection(n: Node) {
  return collection('PowerSupplyCollection', 'Power Supplies', sensorUri.powerSupplies(n.id), [
    sensorUri.powerSupply(n.id, 'PSU1'),
  ]);
}

export function powerSupplyResource(n: Node, readings: SensorReading[]) {
  const psu = readings.filter((r) => r.def.context === 'PowerSupply');
  return {
    '@odata.type': '#PowerSupply.v1_5_0.PowerSupply',
    '@odata.id': sensorUri.powerSupply(n.id, 'PSU1'),
    Id: 'PSU1',
    Name: 'PSU1',
    PowerSupplyType: 'AC',
    PowerCapacityWatts: PSU_CAPACITY_WATTS,
    Manufacturer: n.manufacturer,
    Model: 'Virtual PSU',
    SerialNumber: `${n.serialNumber}-PSU1`,
    Metrics: link(sensorUri.powerSupplyMetrics(n.id, 'PSU1')),
    Status: worstStatus(psu),
  };
}

export function powerSupplyMetricsResource(n: Node, readings: SensorReading[]) {
  const watts = readings.find((r) => r.def.kind === 'power');
  const volts = readings.find((r) => r.def.kind === 'voltage' && r.def.context === 'PowerSupply');
  return {
    '@odata.type': '#PowerSupplyMetrics.v1_1_0.PowerSupplyMetrics',
    '@odata.id': sensorUri.powerSupplyMetrics(n.id, 'PSU1'),
    Id: 'Metrics',
    Name: 'PSU1 Metrics',
    ...(volts ? { InputVoltage: excerpt(n, volts) } : {}),
    ...(watts ? { InputPowerWatts: excerpt(n, watts) } : {}),
  };
}
