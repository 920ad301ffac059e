import type { SensorEventEnables, ThresholdName } from '@bmc-emu/core';
import { IpmiDecodeError } from './errors.js';
import { THRESHOLD_BIT } from './sdr.js';

/** Bytes 3..8 of Set Sensor Thresholds and 2..7 of the Get answer, in this order (IPMI 2.0 35.8, 35.9). */
export const THRESHOLD_BYTE_ORDER: ThresholdName[] = [
  'lowerNonCritical',
  'lowerCritical',
  'lowerNonRecoverable',
  'upperNonCritical',
  'upperCritical',
  'upperNonRecoverable',
];

export interface SetThresholdsRequest {
  sensor: number;
  /** Byte 2: which thresholds to set (bits 0..5); bits 6..7 are reserved. */
  mask: number;
  /** Raw 8-bit values of the thresholds the mask selects. */
  raw: Partial<Record<ThresholdName, number>>;
}

/** Set Sensor Thresholds (S/E 26h) request data. */
export function decodeSetThresholds(data: Uint8Array): SetThresholdsRequest {
  if (data.length !== 8) throw new IpmiDecodeError('Set Sensor Thresholds takes 8 bytes');
  const mask = data[1]!;
  const raw: Partial<Record<ThresholdName, number>> = {};
  THRESHOLD_BYTE_ORDER.forEach((name, i) => {
    if (mask & (1 << THRESHOLD_BIT[name])) raw[name] = data[2 + i]!;
  });
  return { sensor: data[0]!, mask, raw };
}

export function encodeSetThresholds(r: SetThresholdsRequest): Buffer {
  return Buffer.from([r.sensor, r.mask, ...THRESHOLD_BYTE_ORDER.map((n) => r.raw[n] ?? 0)]);
}

/** Byte 2 bits 5:4 of Set Sensor Event Enable. */
export type EventEnableAction = 'keep' | 'enable' | 'disable';

export interface SetEventEnableRequest {
  sensor: number;
  messages: boolean;
  scanning: boolean;
  action: EventEnableAction;
  /** Absent bytes leave the mask as it is (the request may stop after any of bytes 2..6). */
  assertions?: number;
  deassertions?: number;
}

const ACTIONS: EventEnableAction[] = ['keep', 'enable', 'disable'];

/** Set Sensor Event Enable (S/E 28h) request data. */
export function decodeSetEventEnable(data: Uint8Array): SetEventEnableRequest {
  if (data.length < 2 || data.length > 6) throw new IpmiDecodeError('Set Sensor Event Enable takes 2 to 6 bytes');
  const flags = data[1]!;
  const action = ACTIONS[(flags >> 4) & 0x03];
  if (!action) throw new IpmiDecodeError('event enable action 11b is reserved');
  const word = (at: number) => (data.length > at ? data[at]! | ((data[at + 1] ?? 0) << 8) : undefined);
  const assertions = word(2);
  const deassertions = word(4);
  return {
    sensor: data[0]!,
    messages: (flags & 0x80) !== 0,
    scanning: (flags & 0x40) !== 0,
    action,
    ...(assertions !== undefined ? { assertions } : {}),
    ...(deassertions !== undefined ? { deassertions } : {}),
  };
}

export function encodeSetEventEnable(r: SetEventEnableRequest): Buffer {
  const flags = (r.messages ? 0x80 : 0) | (r.scanning ? 0x40 : 0) | (ACTIONS.indexOf(r.action) << 4);
  const out = [r.sensor, flags];
  if (r.assertions !== undefined || r.deassertions !== undefined) {
    const a = r.assertions ?? 0;
    out.push(a & 0xff, a >> 8);
  }
  if (r.deassertions !== undefined) out.push(r.deassertions & 0xff, r.deassertions >> 8);
  return Buffer.from(out);
}

/**
 * The event enables after a request, or 'unsupported' when it would enable an event the sensor's SDR does
 * not list (IPMI: only the events in the SDR's masks can be enabled).
 */
export function applyEventEnable(
  current: SensorEventEnables,
  req: SetEventEnableRequest,
  supported: number,
): SensorEventEnables | 'unsupported' {
  let { assertions, deassertions } = current;
  if (req.action === 'enable') {
    const a = req.assertions ?? 0;
    const d = req.deassertions ?? 0;
    if ((a | d) & ~supported) return 'unsupported';
    assertions |= a;
    deassertions |= d;
  } else if (req.action === 'disable') {
    assertions &= ~(req.assertions ?? 0);
    deassertions &= ~(req.deassertions ?? 0);
  }
  return { messages: req.messages, scanning: req.scanning, assertions, deassertions };
}
