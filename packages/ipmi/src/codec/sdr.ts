import { type SensorDef, supportedThresholdEvents, type ThresholdName } from '@bmc-emu/core';
import { IpmiDecodeError } from './errors.js';

export const SDR_VERSION = 0x51;
export const SDR_FULL_SENSOR = 0x01;
export const SDR_EVENT_ONLY = 0x03;
export const SDR_MC_LOCATOR = 0x12;
export const BMC_ADDRESS = 0x20;

/** Sensor type codes (IPMI 2.0 table 42-3). */
export const SENSOR_TYPE = {
  temperature: 0x01,
  voltage: 0x02,
  fan: 0x04,
  power: 0x0b, // "other units-based sensor": watts
  powerUnit: 0x09,
  eventLoggingDisabled: 0x10,
  systemEvent: 0x12,
  systemBoot: 0x1d,
  acpiPowerState: 0x22,
} as const;

/** Unit type codes (IPMI 2.0 table 43-15). */
const UNIT_CODE = { Cel: 1, V: 4, W: 6, RPM: 18 } as const;

/** Entity ids (IPMI 2.0 table 43-13). */
const ENTITY = { Intake: 0x37, CPU: 0x03, SystemBoard: 0x07, Fan: 0x1d, PowerSupply: 0x0a } as const;

/** Bit of each threshold in the readable/settable masks and the threshold status byte. */
export const THRESHOLD_BIT: Record<ThresholdName, number> = {
  lowerNonCritical: 0,
  lowerCritical: 1,
  lowerNonRecoverable: 2,
  upperNonCritical: 3,
  upperCritical: 4,
  upperNonRecoverable: 5,
};

/** The event offset a threshold asserts (lower thresholds going low, upper ones going high). */
export const THRESHOLD_EVENT_OFFSET: Record<ThresholdName, number> = {
  lowerNonCritical: 0x00,
  lowerCritical: 0x02,
  lowerNonRecoverable: 0x04,
  upperNonCritical: 0x07,
  upperCritical: 0x09,
  upperNonRecoverable: 0x0b,
};

/** SDR byte order of the six threshold values (bytes 37..42). */
const SDR_THRESHOLD_ORDER: ThresholdName[] = [
  'upperNonRecoverable',
  'upperCritical',
  'upperNonCritical',
  'lowerNonRecoverable',
  'lowerCritical',
  'lowerNonCritical',
];

export function sensorTypeOf(def: Pick<SensorDef, 'kind'>): number {
  return SENSOR_TYPE[def.kind];
}

/** Raw 8-bit reading of a value: the linear formula y = M * x with M = resolution, B = 0, exponents 0. */
export function rawOf(def: Pick<SensorDef, 'resolution'>, value: number): number {
  return Math.min(255, Math.max(0, Math.round(value / def.resolution)));
}

export function readableMask(def: Pick<SensorDef, 'thresholds'>): number {
  let mask = 0;
  for (const [name, v] of Object.entries(def.thresholds)) {
    if (v !== undefined) mask |= 1 << THRESHOLD_BIT[name as ThresholdName];
  }
  return mask;
}

/** Bits 0..5 of the threshold status: every defined threshold the value is at or past. */
export function thresholdStatus(def: Pick<SensorDef, 'thresholds'>, value: number): number {
  const t = def.thresholds;
  let s = 0;
  const past = (name: ThresholdName, upper: boolean) => {
    const v = t[name];
    if (v !== undefined && (upper ? value >= v : value <= v)) s |= 1 << THRESHOLD_BIT[name];
  };
  past('lowerNonCritical', false);
  past('lowerCritical', false);
  past('lowerNonRecoverable', false);
  past('upperNonCritical', true);
  past('upperCritical', true);
  past('upperNonRecoverable', true);
  return s;
}

/** M (10 bits), tolerance, B (10 bits), accuracy, exponents: bytes 25..30 of a full record. */
export function conversionFactors(def: Pick<SensorDef, 'resolution'>): Buffer {
  const m = def.resolution;
  return Buffer.from([m & 0xff, (m >> 2) & 0xc0, 0x00, 0x00, 0x00, 0x00]);
}

/** Going-low and going-high events of every defined threshold (offsets 2i and 2i+1). */
export function thresholdEventMask(def: Pick<SensorDef, 'thresholds'>): number {
  return supportedThresholdEvents(def);
}

/** The thresholds a client may set (SDR byte 20, Set Sensor Thresholds). */
export function settableMask(def: Pick<SensorDef, 'settable' | 'thresholds'>): number {
  let mask = 0;
  for (const name of def.settable) if (def.thresholds[name] !== undefined) mask |= 1 << THRESHOLD_BIT[name];
  return mask;
}

/** A Full Sensor Record (type 01, IPMI 2.0 table 43-1) for a threshold sensor. */
export function encodeFullSensorRecord(recordId: number, def: SensorDef): Buffer {
  const name = Buffer.from(def.name.slice(0, 16), 'latin1');
  const readable = readableMask(def);
  const events = thresholdEventMask(def);
  const settable = settableMask(def);
  const lowerStatus = readable & 0x07;
  const upperStatus = (readable >> 3) & 0x07;
  const body = Buffer.alloc(43 + name.length);
  let o = 0;
  body[o++] = BMC_ADDRESS; // 6 owner
  body[o++] = 0x00; // 7 LUN 0, channel 0
  body[o++] = def.number; // 8
  body[o++] = ENTITY[def.context]; // 9
  body[o++] = def.index; // 10 entity instance (physical)
  body[o++] = 0x7f; // 11 init: scanning, events, thresholds, hysteresis, type, event gen, scan enabled
  // 12 auto re-arm; thresholds readable (01b) or readable and settable (10b); per-threshold event control
  body[o++] = settable ? 0x48 : 0x44;
  body[o++] = sensorTypeOf(def); // 13
  body[o++] = 0x01; // 14 event/reading type: threshold
  body.writeUInt16LE(events | (lowerStatus << 12), o); // 15-16 assertion mask + lower reading mask
  o += 2;
  body.writeUInt16LE(events | (upperStatus << 12), o); // 17-18 deassertion mask + upper reading mask
  o += 2;
  body[o++] = readable; // 19 readable thresholds
  body[o++] = settable; // 20 settable thresholds
  body[o++] = 0x00; // 21 unsigned, no rate, no modifier
  body[o++] = UNIT_CODE[def.unit]; // 22 base unit
  body[o++] = 0x00; // 23 modifier unit
  body[o++] = 0x00; // 24 linear
  conversionFactors(def).copy(body, o); // 25-30
  o += 6;
  body[o++] = 0x00; // 31 no nominal/normal fields
  o += 3; // 32-34 nominal, normal max, normal min
  body[o++] = 0xff; // 35 sensor max
  body[o++] = 0x00; // 36 sensor min
  for (const name of SDR_THRESHOLD_ORDER) {
    const v = def.thresholds[name];
    body[o++] = v === undefined ? 0 : rawOf(def, v); // 37-42
  }
  body[o++] = 0x00; // 43 positive hysteresis
  body[o++] = 0x00; // 44 negative hysteresis
  o += 2; // 45-46 reserved
  body[o++] = 0x00; // 47 OEM
  body[o++] = 0xc0 | name.length; // 48 8-bit ASCII + Latin-1
  name.copy(body, o);
  return withHeader(recordId, SDR_FULL_SENSOR, body);
}

/** An Event-Only record (type 03, IPMI 2.0 table 43-3): names a discrete sensor that only logs events. */
export function encodeEventOnlyRecord(
  recordId: number,
  e: { number: number; name: string; sensorType: number; entityId: number },
): Buffer {
  const name = Buffer.from(e.name.slice(0, 16), 'latin1');
  const body = Buffer.from([
    BMC_ADDRESS,
    0x00,
    e.number,
    e.entityId,
    0x01, // entity instance
    e.sensorType,
    0x6f, // sensor-specific events
    0x00, // no sharing
    0x00,
    0x00, // reserved
    0x00, // OEM
    0xc0 | name.length,
    ...name,
  ]);
  return withHeader(recordId, SDR_EVENT_ONLY, body);
}

/** A Management Controller Device Locator record (type 12h) for the BMC itself. */
export function encodeMcLocator(recordId: number, id: string): Buffer {
  const name = Buffer.from(id.slice(0, 16), 'latin1');
  const body = Buffer.from([BMC_ADDRESS, 0x00, 0x00, 0x80, 0, 0, 0, 0x06, 0x01, 0x00, 0xc0 | name.length, ...name]);
  return withHeader(recordId, SDR_MC_LOCATOR, body);
}

function withHeader(recordId: number, type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt16LE(recordId, 0);
  head[2] = SDR_VERSION;
  head[3] = type;
  head[4] = body.length;
  return Buffer.concat([head, body]);
}

export interface DecodedFullSensor {
  recordId: number;
  sensorNumber: number;
  entityId: number;
  entityInstance: number;
  sensorType: number;
  unitCode: number;
  m: number;
  readableMask: number;
  settableMask: number;
  /** Raw threshold bytes, keyed by name, for the readable ones. */
  thresholds: Partial<Record<ThresholdName, number>>;
  name: string;
}

/** Decode a Full Sensor Record (the inverse of encodeFullSensorRecord, for tests and tools). */
export function decodeFullSensorRecord(b: Buffer): DecodedFullSensor {
  if (b.length < 48) throw new IpmiDecodeError('full sensor record too short');
  if (b[2] !== SDR_VERSION || b[3] !== SDR_FULL_SENSOR) throw new IpmiDecodeError('not a full sensor record');
  if (b[4]! + 5 !== b.length) throw new IpmiDecodeError('record length byte does not match');
  const readable = b[18]!;
  const thresholds: Partial<Record<ThresholdName, number>> = {};
  SDR_THRESHOLD_ORDER.forEach((name, i) => {
    if (readable & (1 << THRESHOLD_BIT[name])) thresholds[name] = b[36 + i]!;
  });
  const idLen = b[47]! & 0x1f;
  if (48 + idLen > b.length) throw new IpmiDecodeError('id string runs past the record');
  return {
    recordId: b.readUInt16LE(0),
    sensorNumber: b[7]!,
    entityId: b[8]!,
    entityInstance: b[9]! & 0x7f,
    sensorType: b[12]!,
    unitCode: b[21]!,
    m: b[24]! | ((b[25]! & 0xc0) << 2),
    readableMask: readable,
    settableMask: b[19]!,
    thresholds,
    name: b.subarray(48, 48 + idLen).toString('latin1'),
  };
}
