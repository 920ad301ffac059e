import type { SensorDef, Thresholds } from '@bmc-emu/core';
import { IpmiDecodeError } from '../codec/errors.js';
import {
  conversionFactors,
  rawOf,
  readableMask,
  settableMask,
  sensorTypeOf,
  THRESHOLD_EVENT_OFFSET,
  thresholdEventMask,
  thresholdStatus,
} from '../codec/sdr.js';
import { applyEventEnable, decodeSetEventEnable, decodeSetThresholds } from '../codec/sensor-settings.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, NETFN, ok } from './context.js';

const S = NETFN.sensor;

/** Byte 2 of Get Sensor Reading / Event Enable / Event Status: event messages, scanning, reading unavailable. */
function enableFlags(ctx: CommandContext, def: SensorDef): number {
  const ev = ctx.telemetry.eventEnables(ctx.nodeId, def);
  return (ev.messages ? 0x80 : 0) | (ev.scanning ? 0x40 : 0);
}

async function sensorOf(ctx: CommandContext, data: Buffer): Promise<SensorDef | undefined> {
  if (data.length < 1) return undefined;
  const node = await ctx.driver.get(ctx.nodeId);
  return ctx.telemetry.sensors(node).find((d) => d.number === data[0]);
}

async function getReading(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const readings = await ctx.telemetry.readings(ctx.nodeId);
  const r = readings.find((x) => x.def.number === data[0]);
  if (!r) return fail(CC.notPresent);
  const flags = enableFlags(ctx, r.def);
  const scanned = (flags & 0x40) !== 0;
  const status = r.judged && scanned ? thresholdStatus(r.def, r.value) : 0;
  return ok([rawOf(r.def, r.value), flags | (scanned ? 0 : 0x20), status, 0x80]);
}

async function getThresholds(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const def = await sensorOf(ctx, data);
  if (!def) return fail(CC.notPresent);
  const t = def.thresholds;
  const raw = (v: number | undefined) => (v === undefined ? 0 : rawOf(def, v));
  return ok([
    readableMask(def),
    raw(t.lowerNonCritical),
    raw(t.lowerCritical),
    raw(t.lowerNonRecoverable),
    raw(t.upperNonCritical),
    raw(t.upperCritical),
    raw(t.upperNonRecoverable),
  ]);
}

async function getEventEnable(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const def = await sensorOf(ctx, data);
  if (!def) return fail(CC.notPresent);
  const ev = ctx.telemetry.eventEnables(ctx.nodeId, def);
  const a = ev.assertions;
  const d = ev.deassertions;
  return ok([enableFlags(ctx, def), a & 0xff, a >> 8, d & 0xff, d >> 8]);
}

async function getEventStatus(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const r = (await ctx.telemetry.readings(ctx.nodeId)).find((x) => x.def.number === data[0]);
  if (!r) return fail(CC.notPresent);
  let m = 0;
  if (r.judged) {
    for (const [name, v] of Object.entries(r.def.thresholds)) {
      if (v === undefined) continue;
      const upper = name.startsWith('upper');
      if (upper ? r.value >= v : r.value <= v) {
        m |= 1 << THRESHOLD_EVENT_OFFSET[name as keyof typeof THRESHOLD_EVENT_OFFSET];
      }
    }
  }
  return ok([enableFlags(ctx, r.def), m & 0xff, m >> 8, 0x00, 0x00]);
}

async function getReadingFactors(ctx: CommandContext, data: Buffer) {
  if (data.length < 2) return fail(CC.requestLength);
  const def = await sensorOf(ctx, data);
  if (!def) return fail(CC.notPresent);
  return ok([0xff, ...conversionFactors(def)]); // linear: the same factors for every reading
}

async function getHysteresis(ctx: CommandContext, data: Buffer) {
  if (data.length < 2) return fail(CC.requestLength);
  if (!(await sensorOf(ctx, data))) return fail(CC.notPresent);
  return ok([0x00, 0x00]);
}

async function getSensorType(ctx: CommandContext, data: Buffer) {
  const def = await sensorOf(ctx, data);
  if (data.length < 1) return fail(CC.requestLength);
  if (!def) return fail(CC.notPresent);
  return ok([sensorTypeOf(def), 0x01]);
}

/** Hysteresis is fixed at 0 (the SDR says hysteresis is not supported): a write is illegal for the sensor. */
async function refuseHysteresis(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  if (!(await sensorOf(ctx, data))) return fail(CC.notPresent);
  return fail(CC.illegalForSensor);
}

/**
 * Set Sensor Thresholds (35.8): a sensor with nothing settable answers CDh; a reserved bit, a threshold
 * outside the SDR's settable mask, or a result out of order (e.g. upper critical at or below upper
 * non-critical) answers CCh and changes nothing.
 */
async function setThresholds(ctx: CommandContext, data: Buffer) {
  let req;
  try {
    req = decodeSetThresholds(data);
  } catch (err) {
    if (err instanceof IpmiDecodeError) return fail(CC.requestLength);
    throw err;
  }
  const def = await sensorOf(ctx, data);
  if (!def) return fail(CC.notPresent);
  const settable = settableMask(def);
  if (settable === 0) return fail(CC.illegalForSensor);
  if (req.mask & ~settable & 0xff) return fail(CC.invalidData);
  const change: Thresholds = {};
  for (const [name, raw] of Object.entries(req.raw)) change[name as keyof Thresholds] = raw * def.resolution;
  const verdict = await ctx.telemetry.setThresholds(ctx.nodeId, def.number, change);
  if (!verdict) return fail(CC.notPresent);
  return verdict.ok ? ok() : fail(CC.invalidData);
}

/** Set Sensor Event Enable (35.10): only events the SDR lists can be enabled (else CCh). */
async function setEventEnable(ctx: CommandContext, data: Buffer) {
  let req;
  try {
    req = decodeSetEventEnable(data);
  } catch (err) {
    if (err instanceof IpmiDecodeError)
      return fail(data.length < 2 || data.length > 6 ? CC.requestLength : CC.invalidData);
    throw err;
  }
  const def = await sensorOf(ctx, data);
  if (!def) return fail(CC.notPresent);
  const next = applyEventEnable(ctx.telemetry.eventEnables(ctx.nodeId, def), req, thresholdEventMask(def));
  if (next === 'unsupported') return fail(CC.invalidData);
  await ctx.telemetry.setEventEnables(ctx.nodeId, def.number, next);
  return ok();
}

export const sensorCommands: CommandSpec[] = [
  { netFn: S, cmd: 0x23, privilege: PRIV.user, handler: (ctx, r) => getReadingFactors(ctx, r.data) },
  { netFn: S, cmd: 0x24, privilege: PRIV.operator, handler: (ctx, r) => refuseHysteresis(ctx, r.data) },
  { netFn: S, cmd: 0x25, privilege: PRIV.user, handler: (ctx, r) => getHysteresis(ctx, r.data) },
  { netFn: S, cmd: 0x26, privilege: PRIV.operator, handler: (ctx, r) => setThresholds(ctx, r.data) },
  { netFn: S, cmd: 0x27, privilege: PRIV.user, handler: (ctx, r) => getThresholds(ctx, r.data) },
  { netFn: S, cmd: 0x28, privilege: PRIV.operator, handler: (ctx, r) => setEventEnable(ctx, r.data) },
  { netFn: S, cmd: 0x29, privilege: PRIV.user, handler: (ctx, r) => getEventEnable(ctx, r.data) },
  { netFn: S, cmd: 0x2b, privilege: PRIV.user, handler: (ctx, r) => getEventStatus(ctx, r.data) },
  { netFn: S, cmd: 0x2d, privilege: PRIV.user, handler: (ctx, r) => getReading(ctx, r.data) },
  { netFn: S, cmd: 0x2f, privilege: PRIV.user, handler: (ctx, r) => getSensorType(ctx, r.data) },
];
