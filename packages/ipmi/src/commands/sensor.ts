import type { SensorDef } from '@bmc-emu/core';
import {
  conversionFactors,
  rawOf,
  readableMask,
  sensorTypeOf,
  THRESHOLD_EVENT_OFFSET,
  thresholdEventMask,
  thresholdStatus,
} from '../codec/sdr.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, NETFN, ok } from './context.js';

const S = NETFN.sensor;
/** Event messages enabled, sensor scanning enabled. */
const ENABLED = 0xc0;

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
  const status = r.judged ? thresholdStatus(r.def, r.value) : 0;
  return ok([rawOf(r.def, r.value), ENABLED, status, 0x80]);
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
  const m = thresholdEventMask(def);
  return ok([ENABLED, m & 0xff, m >> 8, m & 0xff, m >> 8]);
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
  return ok([ENABLED, m & 0xff, m >> 8, 0x00, 0x00]);
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

/** Thresholds are fixed by the model (settable mask 0 in the SDR): writes are illegal for the sensor. */
async function refuseWrite(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  if (!(await sensorOf(ctx, data))) return fail(CC.notPresent);
  return fail(CC.illegalForSensor);
}

export const sensorCommands: CommandSpec[] = [
  { netFn: S, cmd: 0x23, privilege: PRIV.user, handler: (ctx, r) => getReadingFactors(ctx, r.data) },
  { netFn: S, cmd: 0x24, privilege: PRIV.operator, handler: (ctx, r) => refuseWrite(ctx, r.data) },
  { netFn: S, cmd: 0x25, privilege: PRIV.user, handler: (ctx, r) => getHysteresis(ctx, r.data) },
  { netFn: S, cmd: 0x26, privilege: PRIV.operator, handler: (ctx, r) => refuseWrite(ctx, r.data) },
  { netFn: S, cmd: 0x27, privilege: PRIV.user, handler: (ctx, r) => getThresholds(ctx, r.data) },
  { netFn: S, cmd: 0x28, privilege: PRIV.operator, handler: (ctx, r) => refuseWrite(ctx, r.data) },
  { netFn: S, cmd: 0x29, privilege: PRIV.user, handler: (ctx, r) => getEventEnable(ctx, r.data) },
  { netFn: S, cmd: 0x2b, privilege: PRIV.user, handler: (ctx, r) => getEventStatus(ctx, r.data) },
  { netFn: S, cmd: 0x2d, privilege: PRIV.user, handler: (ctx, r) => getReading(ctx, r.data) },
  { netFn: S, cmd: 0x2f, privilege: PRIV.user, handler: (ctx, r) => getSensorType(ctx, r.data) },
];
