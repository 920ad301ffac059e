import { createHash } from 'node:crypto';
import type { PowerState } from '../node.js';
import type { SensorDef, ThresholdName } from './catalog.js';

export type SensorHealth = 'OK' | 'Warning' | 'Critical';
/** The worst threshold the reading is past, or 'ok'. */
export type ThresholdLevel = 'ok' | ThresholdName;

export interface SensorReading {
  def: SensorDef;
  value: number;
  level: ThresholdLevel;
  health: SensorHealth;
  /** False while the host is off for sensors only the running host drives (CPU temps, fans): thresholds are not judged. */
  judged: boolean;
}

export interface ReadingInput {
  nodeId: string;
  powerState: PowerState;
  /** 0..1 host CPU load (from the driver's CPU time when it has one, else a nominal load). */
  load: number;
  /** Wall clock in ms; the jitter changes every `jitterPeriodMs`. */
  now: number;
  jitterPeriodMs: number;
  /** The sensor is forced past its critical threshold while judged (config `sensors.faults`). */
  fault: boolean;
}

/** A deterministic step count in [-span, span] for this node, sensor and time bucket. */
export function jitterSteps(nodeId: string, sensor: number, bucket: number, span: number): number {
  if (span <= 0) return 0;
  const h = createHash('sha1').update(`${nodeId}:${sensor}:${bucket}`).digest();
  return (h.readUInt32LE(0) % (2 * span + 1)) - span;
}

function quantize(value: number, step: number): number {
  return Math.min(255, Math.max(0, Math.round(value / step))) * step;
}

const isOn = (p: PowerState) => p === 'On' || p === 'PoweringOff';

/** The physical value before jitter: [value, jitter span in resolution steps]. */
function baseline(def: SensorDef, on: boolean, load: number): [number, number] {
  switch (def.context) {
    case 'Intake':
      return [on ? 23 : 22, 1];
    case 'SystemBoard':
      return [on ? 32 + 6 * load : 24, 1];
    case 'CPU':
      return [on ? 42 + 30 * load : 22, 1];
    case 'Fan':
      return [on ? 4800 + 3600 * load + 240 * (def.index - 1) : 0, on ? 2 : 0];
    case 'PowerSupply':
      return def.kind === 'power' ? [on ? 120 + 180 * load : 12, on ? 2 : 0] : [230, 1];
  }
}

/** A fan fails slow; everything else fails hot or high: just past the critical threshold. */
function faultValue(def: SensorDef): number {
  const t = def.thresholds;
  if (def.kind === 'fan' && t.lowerCritical !== undefined) return Math.max(0, t.lowerCritical - def.resolution);
  if (t.upperCritical !== undefined) return t.upperCritical + def.resolution;
  if (t.lowerCritical !== undefined) return Math.max(0, t.lowerCritical - def.resolution);
  return 0;
}

/** Which threshold a value is past (the most severe one), given what the sensor defines. */
export function thresholdLevel(def: SensorDef, value: number): ThresholdLevel {
  const t = def.thresholds;
  if (t.upperNonRecoverable !== undefined && value >= t.upperNonRecoverable) return 'upperNonRecoverable';
  if (t.upperCritical !== undefined && value >= t.upperCritical) return 'upperCritical';
  if (t.upperNonCritical !== undefined && value >= t.upperNonCritical) return 'upperNonCritical';
  if (t.lowerNonRecoverable !== undefined && value <= t.lowerNonRecoverable) return 'lowerNonRecoverable';
  if (t.lowerCritical !== undefined && value <= t.lowerCritical) return 'lowerCritical';
  if (t.lowerNonCritical !== undefined && value <= t.lowerNonCritical) return 'lowerNonCritical';
  return 'ok';
}

export function healthOf(level: ThresholdLevel): SensorHealth {
  if (level === 'ok') return 'OK';
  return level.endsWith('NonCritical') ? 'Warning' : 'Critical';
}

/** One sensor's reading: pure, so every protocol (and every test) sees the same number. */
export function readSensor(def: SensorDef, input: ReadingInput): SensorReading {
  const on = isOn(input.powerState);
  const load = Math.min(1, Math.max(0, input.load));
  const judged = on || (def.context !== 'CPU' && def.context !== 'Fan');
  // a forced fault shows while the sensor is judged: a powered-off host has no hot CPU or stalled fan
  const fault = input.fault && judged;
  let value: number;
  if (fault) {
    value = faultValue(def);
  } else {
    const [base, span] = baseline(def, on, load);
    const bucket = Math.floor(input.now / Math.max(1, input.jitterPeriodMs));
    value = quantize(base + jitterSteps(input.nodeId, def.number, bucket, span) * def.resolution, def.resolution);
  }
  const level = judged ? thresholdLevel(def, value) : 'ok';
  return { def, value, level, health: healthOf(level), judged };
}
