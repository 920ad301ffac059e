import type { Node } from '../node.js';

export type SensorKind = 'temperature' | 'fan' | 'power' | 'voltage';
export type SensorUnit = 'Cel' | 'RPM' | 'W' | 'V';
export type PhysicalContext = 'Intake' | 'CPU' | 'SystemBoard' | 'Fan' | 'PowerSupply';

/** Threshold names as IPMI and Redfish both know them (lower/upper non-critical, critical, non-recoverable). */
export const THRESHOLD_NAMES = [
  'lowerNonRecoverable',
  'lowerCritical',
  'lowerNonCritical',
  'upperNonCritical',
  'upperCritical',
  'upperNonRecoverable',
] as const;
export type ThresholdName = (typeof THRESHOLD_NAMES)[number];
export type Thresholds = Partial<Record<ThresholdName, number>>;

export interface SensorDef {
  /** IPMI sensor number; also the order sensors are listed in. */
  number: number;
  /** At most 16 characters (the IPMI SDR id string). */
  name: string;
  /** Redfish resource id (no spaces). */
  id: string;
  kind: SensorKind;
  unit: SensorUnit;
  /**
   * Step between two readings. Every reading is a multiple of it, so IPMI's 8-bit linear encoding and
   * Redfish's numbers carry exactly the same value.
   */
  resolution: number;
  thresholds: Thresholds;
  /** Thresholds a client may change (IPMI Set Sensor Thresholds, Redfish PATCH); the SDR's settable mask. */
  settable: readonly ThresholdName[];
  context: PhysicalContext;
  /** 1-based CPU socket, PSU or fan index. */
  index: number;
}

/**
 * Every sensor defines all six thresholds, as server BMCs do: some clients (pyghmi) judge a reading
 * only against thresholds whose events are enabled in the SDR.
 */
const COLD: Thresholds = { lowerNonRecoverable: 1, lowerCritical: 3, lowerNonCritical: 5 };

/** Temperatures: the upper thresholds are the operator's to tune; the cold ones are fixed, as on most servers. */
const UPPER: readonly ThresholdName[] = ['upperNonCritical', 'upperCritical', 'upperNonRecoverable'];

/** One socket per 8 vCPUs, at least 1, at most 2: what a small rack server shows. */
export function socketCount(node: Pick<Node, 'cpu'>): number {
  return Math.min(2, Math.max(1, Math.ceil(node.cpu.count / 8)));
}

/** The sensors of one node, in sensor-number order. Stable for a given CPU count. */
export function sensorCatalog(node: Pick<Node, 'cpu'>): SensorDef[] {
  const defs: SensorDef[] = [
    {
      number: 0x01,
      name: 'Inlet Temp',
      id: 'InletTemp',
      kind: 'temperature',
      unit: 'Cel',
      resolution: 1,
      thresholds: { ...COLD, upperNonCritical: 40, upperCritical: 45, upperNonRecoverable: 50 },
      settable: UPPER,
      context: 'Intake',
      index: 1,
    },
    {
      number: 0x02,
      name: 'System Board',
      id: 'SystemBoardTemp',
      kind: 'temperature',
      unit: 'Cel',
      resolution: 1,
      thresholds: { ...COLD, upperNonCritical: 65, upperCritical: 75, upperNonRecoverable: 80 },
      settable: UPPER,
      context: 'SystemBoard',
      index: 1,
    },
  ];
  for (let s = 1; s <= socketCount(node); s++) {
    defs.push({
      number: 0x02 + s,
      name: `CPU${s} Temp`,
      id: `CPU${s}Temp`,
      kind: 'temperature',
      unit: 'Cel',
      resolution: 1,
      thresholds: { ...COLD, upperNonCritical: 85, upperCritical: 95, upperNonRecoverable: 100 },
      settable: UPPER,
      context: 'CPU',
      index: s,
    });
  }
  for (let f = 1; f <= 2; f++) {
    defs.push({
      number: 0x10 + f,
      name: `Fan${f}`,
      id: `Fan${f}`,
      kind: 'fan',
      unit: 'RPM',
      resolution: 60,
      thresholds: {
        lowerNonRecoverable: 360,
        lowerCritical: 600,
        lowerNonCritical: 1200,
        upperNonCritical: 13800,
        upperCritical: 14400,
        upperNonRecoverable: 15000,
      },
      settable: THRESHOLD_NAMES,
      context: 'Fan',
      index: f,
    });
  }
  defs.push(
    {
      number: 0x21,
      name: 'PSU1 Power',
      id: 'PSU1InputPower',
      kind: 'power',
      unit: 'W',
      resolution: 4,
      thresholds: {
        lowerNonRecoverable: 0,
        lowerCritical: 4,
        lowerNonCritical: 8,
        upperNonCritical: 800,
        upperCritical: 900,
        upperNonRecoverable: 1000,
      },
      settable: THRESHOLD_NAMES,
      context: 'PowerSupply',
      index: 1,
    },
    {
      number: 0x22,
      name: 'PSU1 Voltage',
      id: 'PSU1InputVoltage',
      kind: 'voltage',
      unit: 'V',
      resolution: 2,
      thresholds: {
        lowerNonRecoverable: 170,
        lowerCritical: 180,
        lowerNonCritical: 200,
        upperNonCritical: 250,
        upperCritical: 260,
        upperNonRecoverable: 270,
      },
      // the PSU's input range is its own rating: nothing to set
      settable: [],
      context: 'PowerSupply',
      index: 1,
    },
  );
  return defs;
}
