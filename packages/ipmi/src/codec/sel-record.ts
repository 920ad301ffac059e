import type { SelEntry, SelPowerEvent } from '@bmc-emu/core';
import { IpmiDecodeError } from './errors.js';
import { BMC_ADDRESS, rawOf, SENSOR_TYPE, THRESHOLD_EVENT_OFFSET } from './sdr.js';

export const SEL_RECORD_SYSTEM_EVENT = 0x02;
export const SEL_RECORD_LENGTH = 16;
export const EVM_REV = 0x04;

/** Sensor numbers of the BMC's discrete event sources (above the threshold sensors' numbers). */
export const EVENT_SENSOR = { acpi: 0x30, powerUnit: 0x31, restart: 0x32, system: 0x33, log: 0x34 } as const;

/** The BMC's event-only sensors, as the SDR repository names them. */
export const EVENT_SENSORS = [
  { number: EVENT_SENSOR.acpi, name: 'ACPI State', sensorType: SENSOR_TYPE.acpiPowerState, entityId: 0x17 },
  { number: EVENT_SENSOR.powerUnit, name: 'Power Unit', sensorType: SENSOR_TYPE.powerUnit, entityId: 0x13 },
  { number: EVENT_SENSOR.restart, name: 'System Restart', sensorType: SENSOR_TYPE.systemBoot, entityId: 0x17 },
  { number: EVENT_SENSOR.system, name: 'System Event', sensorType: SENSOR_TYPE.systemEvent, entityId: 0x17 },
  { number: EVENT_SENSOR.log, name: 'Event Log', sensorType: SENSOR_TYPE.eventLoggingDisabled, entityId: 0x06 },
] as const;

export interface SelRecord {
  recordId: number;
  recordType: number;
  timestamp: number;
  generatorId: number;
  evmRev: number;
  sensorType: number;
  sensorNumber: number;
  /** True for a deassertion (bit 7 of the event dir/type byte). */
  deassertion: boolean;
  eventType: number;
  eventData: [number, number, number];
}

const POWER: Record<SelPowerEvent, [type: number, sensor: number, offset: number]> = {
  On: [SENSOR_TYPE.acpiPowerState, EVENT_SENSOR.acpi, 0x00], // S0/G0 working
  Off: [SENSOR_TYPE.acpiPowerState, EVENT_SENSOR.acpi, 0x05], // S5/G2 soft-off
  PowerCycle: [SENSOR_TYPE.powerUnit, EVENT_SENSOR.powerUnit, 0x01], // power cycle
  HardReset: [SENSOR_TYPE.systemBoot, EVENT_SENSOR.restart, 0x01], // initiated by hard reset
  WarmReset: [SENSOR_TYPE.systemBoot, EVENT_SENSOR.restart, 0x02], // initiated by warm reset
};

/** How one SEL entry reads as an IPMI system event record (IPMI 2.0 table 32-1). */
export function selRecordOf(e: SelEntry): SelRecord {
  const base = {
    recordId: e.id,
    recordType: SEL_RECORD_SYSTEM_EVENT,
    timestamp: e.timestamp >>> 0,
    generatorId: BMC_ADDRESS,
    evmRev: EVM_REV,
    deassertion: false,
    eventType: 0x6f, // sensor-specific
  };
  const discrete = (sensorType: number, sensorNumber: number, offset: number): SelRecord => ({
    ...base,
    sensorType,
    sensorNumber,
    eventData: [offset, 0xff, 0xff],
  });
  switch (e.kind) {
    case 'power': {
      const [type, sensor, offset] = POWER[e.power ?? 'PowerCycle'];
      return discrete(type, sensor, offset);
    }
    case 'boot':
    case 'media':
      return discrete(SENSOR_TYPE.systemEvent, EVENT_SENSOR.system, 0x00); // system reconfigured
    case 'bmc':
      return discrete(SENSOR_TYPE.systemEvent, EVENT_SENSOR.system, 0x01); // OEM system boot event
    case 'cleared':
      return discrete(SENSOR_TYPE.eventLoggingDisabled, EVENT_SENSOR.log, 0x02); // log area reset/cleared
    case 'threshold': {
      const t = e.threshold!;
      const res = { resolution: t.resolution };
      return {
        ...base,
        sensorType: SENSOR_TYPE[t.sensorKind],
        sensorNumber: t.sensorNumber,
        deassertion: !t.asserted,
        eventType: 0x01,
        // 0x50: trigger reading in data 2, trigger threshold in data 3
        eventData: [0x50 | THRESHOLD_EVENT_OFFSET[t.level], rawOf(res, t.value), rawOf(res, t.threshold)],
      };
    }
  }
}

export function encodeSelRecord(r: SelRecord): Buffer {
  const b = Buffer.alloc(SEL_RECORD_LENGTH);
  b.writeUInt16LE(r.recordId & 0xffff, 0);
  b[2] = r.recordType;
  b.writeUInt32LE(r.timestamp >>> 0, 3);
  b.writeUInt16LE(r.generatorId & 0xffff, 7);
  b[9] = r.evmRev;
  b[10] = r.sensorType;
  b[11] = r.sensorNumber;
  b[12] = (r.deassertion ? 0x80 : 0) | (r.eventType & 0x7f);
  b[13] = r.eventData[0];
  b[14] = r.eventData[1];
  b[15] = r.eventData[2];
  return b;
}

export function decodeSelRecord(b: Uint8Array): SelRecord {
  if (b.length !== SEL_RECORD_LENGTH) throw new IpmiDecodeError(`SEL record: need 16 bytes, got ${b.length}`);
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  return {
    recordId: buf.readUInt16LE(0),
    recordType: buf[2]!,
    timestamp: buf.readUInt32LE(3),
    generatorId: buf.readUInt16LE(7),
    evmRev: buf[9]!,
    sensorType: buf[10]!,
    sensorNumber: buf[11]!,
    deassertion: (buf[12]! & 0x80) !== 0,
    eventType: buf[12]! & 0x7f,
    eventData: [buf[13]!, buf[14]!, buf[15]!],
  };
}
