import { type SensorDef, THRESHOLD_NAMES, type ThresholdName, type Thresholds } from './catalog.js';

/**
 * Which threshold events a sensor reports. Bit 2i is threshold i going low and bit 2i+1 going high, with i in
 * the order lowerNonCritical, lowerCritical, lowerNonRecoverable, upperNonCritical, upperCritical,
 * upperNonRecoverable: the event offsets IPMI (Get/Set Sensor Event Enable, the SEL) uses.
 */
export interface SensorEventEnables {
  /** All event messages from this sensor (off: no SEL entry, whatever the masks say). */
  messages: boolean;
  /** The sensor is scanned: off, its reading is unavailable and it raises no events. */
  scanning: boolean;
  assertions: number;
  deassertions: number;
}

/** What a client changed on one sensor; everything absent keeps the catalog's value. */
export interface SensorSettings {
  thresholds?: Thresholds;
  events?: SensorEventEnables;
}

export const THRESHOLD_EVENT_INDEX: Record<ThresholdName, number> = {
  lowerNonCritical: 0,
  lowerCritical: 1,
  lowerNonRecoverable: 2,
  upperNonCritical: 3,
  upperCritical: 4,
  upperNonRecoverable: 5,
};

/** The event offset a crossing of this threshold asserts: lower ones going low, upper ones going high. */
export function crossingOffset(name: ThresholdName): number {
  return 2 * THRESHOLD_EVENT_INDEX[name] + (name.startsWith('upper') ? 1 : 0);
}

/** Going-low and going-high events of every defined threshold. */
export function supportedThresholdEvents(def: Pick<SensorDef, 'thresholds'>): number {
  let mask = 0;
  for (const name of THRESHOLD_NAMES) {
    if (def.thresholds[name] !== undefined) mask |= 0b11 << (2 * THRESHOLD_EVENT_INDEX[name]);
  }
  return mask;
}

export function defaultEventEnables(def: Pick<SensorDef, 'thresholds'>): SensorEventEnables {
  const all = supportedThresholdEvents(def);
  return { messages: true, scanning: true, assertions: all, deassertions: all };
}

export type ThresholdVerdict =
  | { ok: true; thresholds: Thresholds }
  | { ok: false; reason: 'notSettable' | 'outOfOrder' | 'outOfRange'; threshold: ThresholdName };

/** The largest value an 8-bit linear sensor of this resolution carries. */
export const sensorRangeMax = (def: Pick<SensorDef, 'resolution'>) => 255 * def.resolution;

/**
 * A change of some thresholds, judged against the sensor's current ones: each must be settable and within the
 * sensor's range; values are kept on the sensor's step; the result must stay strictly ordered
 * lowerNonRecoverable < lowerCritical < lowerNonCritical < upperNonCritical < upperCritical < upperNonRecoverable.
 */
export function judgeThresholds(def: SensorDef, current: Thresholds, change: Thresholds): ThresholdVerdict {
  const next: Thresholds = { ...current };
  for (const name of THRESHOLD_NAMES) {
    const v = change[name];
    if (v === undefined) continue;
    if (!def.settable.includes(name) || current[name] === undefined) {
      return { ok: false, reason: 'notSettable', threshold: name };
    }
    if (!Number.isFinite(v) || v < 0 || v > sensorRangeMax(def)) {
      return { ok: false, reason: 'outOfRange', threshold: name };
    }
    next[name] = Math.round(v / def.resolution) * def.resolution;
  }
  const order = THRESHOLD_NAMES; // listed from lowest to highest
  let below: number | undefined;
  for (const name of order) {
    const v = next[name];
    if (v === undefined) continue;
    if (below !== undefined && v <= below) {
      const blamed = change[name] !== undefined ? name : (order.find((n) => change[n] !== undefined) ?? name);
      return { ok: false, reason: 'outOfOrder', threshold: blamed };
    }
    below = v;
  }
  return { ok: true, thresholds: next };
}
