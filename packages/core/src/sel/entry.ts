import type { BootEnabled, BootTarget, MediaSlot } from '../node.js';
import type { SensorKind, SensorUnit } from '../sensors/catalog.js';
import type { SensorHealth, ThresholdLevel } from '../sensors/readings.js';

export type SelEventKind = 'power' | 'boot' | 'media' | 'threshold' | 'bmc' | 'cleared';
export type SelPowerEvent = 'On' | 'Off' | 'PowerCycle' | 'HardReset' | 'WarmReset';

export interface SelThresholdEvent {
  sensorNumber: number;
  sensorName: string;
  sensorKind: SensorKind;
  unit: SensorUnit;
  /** The sensor's step (IPMI encodes value / resolution in one byte). */
  resolution: number;
  /** The level crossed (for a deassertion: the level left). */
  level: Exclude<ThresholdLevel, 'ok'>;
  /** True when the reading went past the level, false when it came back. */
  asserted: boolean;
  value: number;
  threshold: number;
}

/** One System Event Log entry: protocol-neutral; IPMI and Redfish each encode it their way. */
export interface SelEntry {
  /** 1..0xfffe, increasing; wraps after 0xfffe. */
  id: number;
  /** When it happened, in seconds since 1970 on the BMC's SEL clock. */
  timestamp: number;
  kind: SelEventKind;
  severity: SensorHealth;
  /** One sentence, e.g. "Power cycle requested by IPMI user admin." */
  message: string;
  /** Who did it: "IPMI user admin", "Redfish user admin", "libvirt (virsh or another client)". */
  actor?: string;
  power?: SelPowerEvent;
  boot?: { target: BootTarget; enabled: BootEnabled };
  media?: { slot: MediaSlot; inserted: boolean; image?: string };
  threshold?: SelThresholdEvent;
}

export type NewSelEntry = Omit<SelEntry, 'id' | 'timestamp'> & { timestamp?: number };

const POWER_WORDS: Record<SelPowerEvent, string> = {
  On: 'Power on',
  Off: 'Power off',
  PowerCycle: 'Power cycle',
  HardReset: 'Hard reset',
  WarmReset: 'Warm reset',
};

const by = (actor: string | undefined) => (actor ? ` by ${actor}` : '');

export function powerEntry(power: SelPowerEvent, actor: string | undefined): NewSelEntry {
  return {
    kind: 'power',
    severity: 'OK',
    power,
    ...(actor ? { actor } : {}),
    message: `${POWER_WORDS[power]}${by(actor)}.`,
  };
}

export function bootEntry(target: BootTarget, enabled: BootEnabled, actor: string | undefined): NewSelEntry {
  const what = enabled === 'Disabled' ? 'Boot override cleared' : `Boot device set to ${target} (${enabled})`;
  return {
    kind: 'boot',
    severity: 'OK',
    boot: { target, enabled },
    ...(actor ? { actor } : {}),
    message: `${what}${by(actor)}.`,
  };
}

export function mediaEntry(
  slot: MediaSlot,
  inserted: boolean,
  image: string | undefined,
  actor: string | undefined,
): NewSelEntry {
  const what = inserted ? `Virtual media ${image ?? ''} inserted in ${slot}` : `Virtual media ejected from ${slot}`;
  return {
    kind: 'media',
    severity: 'OK',
    media: { slot, inserted, ...(image !== undefined ? { image } : {}) },
    ...(actor ? { actor } : {}),
    message: `${what.replace('  ', ' ')}${by(actor)}.`,
  };
}

const LEVEL_WORDS: Record<SelThresholdEvent['level'], string> = {
  lowerNonRecoverable: 'lower non-recoverable',
  lowerCritical: 'lower critical',
  lowerNonCritical: 'lower non-critical',
  upperNonCritical: 'upper non-critical',
  upperCritical: 'upper critical',
  upperNonRecoverable: 'upper non-recoverable',
};

export function thresholdEntry(t: SelThresholdEvent): NewSelEntry {
  const severity: SensorHealth = !t.asserted ? 'OK' : t.level.endsWith('NonCritical') ? 'Warning' : 'Critical';
  const verb = t.asserted ? 'is past its' : 'is back within its';
  return {
    kind: 'threshold',
    severity,
    threshold: t,
    message: `${t.sensorName} reads ${t.value} ${t.unit}: ${verb} ${LEVEL_WORDS[t.level]} threshold (${t.threshold} ${t.unit}).`,
  };
}

export function bmcStartEntry(): NewSelEntry {
  return { kind: 'bmc', severity: 'OK', message: 'BMC started.' };
}

export function clearedEntry(actor: string | undefined): NewSelEntry {
  return { kind: 'cleared', severity: 'OK', ...(actor ? { actor } : {}), message: `Event log cleared${by(actor)}.` };
}
