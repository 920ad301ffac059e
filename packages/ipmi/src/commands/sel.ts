import { encodeSelRecord, SEL_RECORD_LENGTH, selRecordOf } from '../codec/sel-record.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, ipmiActor, NETFN, ok } from './context.js';

const S = NETFN.storage;

function u32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return [...b];
}

function selInfo(ctx: CommandContext) {
  const i = ctx.telemetry.sel.info(ctx.nodeId);
  const free = Math.min(0xfffe, (i.max - i.count) * SEL_RECORD_LENGTH);
  // operation support: reserve SEL and get allocation info (no delete, no partial add)
  return ok([0x51, i.count & 0xff, i.count >> 8, free & 0xff, free >> 8, ...u32(i.lastAdd), ...u32(i.lastErase), 0x03]);
}

function allocationInfo(ctx: CommandContext) {
  const i = ctx.telemetry.sel.info(ctx.nodeId);
  const units = Math.min(0xfffe, i.max);
  const free = Math.max(0, units - i.count);
  return ok([units & 0xff, units >> 8, SEL_RECORD_LENGTH, 0x00, free & 0xff, free >> 8, free & 0xff, free >> 8, 0x01]);
}

function reserve(ctx: CommandContext) {
  const id = (ctx.state.selReservation % 0xffff) + 1;
  ctx.state.selReservation = id;
  return ok([id & 0xff, id >> 8]);
}

function getEntry(ctx: CommandContext, data: Buffer) {
  if (data.length < 6) return fail(CC.requestLength);
  const reservation = data.readUInt16LE(0);
  const id = data.readUInt16LE(2);
  const offset = data[4]!;
  const count = data[5]!;
  const partial = offset !== 0 || count !== 0xff;
  if ((partial || reservation !== 0) && reservation !== ctx.state.selReservation) return fail(CC.reservationInvalid);
  const entries = ctx.telemetry.sel.entries(ctx.nodeId);
  const index = id === 0 ? 0 : id === 0xffff ? entries.length - 1 : entries.findIndex((e) => e.id === id);
  const entry = entries[index];
  if (index < 0 || !entry) return fail(CC.notPresent);
  if (offset >= SEL_RECORD_LENGTH) return fail(CC.paramOutOfRange);
  const record = encodeSelRecord(selRecordOf(entry));
  const chunk = record.subarray(offset, count === 0xff ? SEL_RECORD_LENGTH : offset + count);
  const next = entries[index + 1]?.id ?? 0xffff;
  return ok(Buffer.concat([Buffer.from([next & 0xff, next >> 8]), chunk]));
}

function clear(ctx: CommandContext, data: Buffer) {
  if (data.length < 6) return fail(CC.requestLength);
  if (data.readUInt16LE(0) !== ctx.state.selReservation || ctx.state.selReservation === 0) {
    return fail(CC.reservationInvalid);
  }
  if (data.subarray(2, 5).toString('latin1') !== 'CLR') return fail(CC.invalidData);
  const action = data[5]!;
  if (action === 0xaa) {
    ctx.telemetry.sel.clear(ctx.nodeId, ipmiActor(ctx));
    ctx.state.selReservation = 0; // a clear cancels the reservation
  } else if (action !== 0x00) {
    return fail(CC.invalidData);
  }
  return ok([0x01]); // erasure completed
}

function setTime(ctx: CommandContext, data: Buffer) {
  if (data.length < 4) return fail(CC.requestLength);
  ctx.telemetry.sel.setTime(ctx.nodeId, data.readUInt32LE(0));
  return ok();
}

export const selCommands: CommandSpec[] = [
  { netFn: S, cmd: 0x40, privilege: PRIV.user, handler: (ctx) => selInfo(ctx) },
  { netFn: S, cmd: 0x41, privilege: PRIV.user, handler: (ctx) => allocationInfo(ctx) },
  { netFn: S, cmd: 0x42, privilege: PRIV.user, handler: (ctx) => reserve(ctx) },
  { netFn: S, cmd: 0x43, privilege: PRIV.user, handler: (ctx, r) => getEntry(ctx, r.data) },
  { netFn: S, cmd: 0x47, privilege: PRIV.operator, handler: (ctx, r) => clear(ctx, r.data) },
  { netFn: S, cmd: 0x48, privilege: PRIV.user, handler: (ctx) => ok(u32(ctx.telemetry.sel.time(ctx.nodeId))) },
  { netFn: S, cmd: 0x49, privilege: PRIV.operator, handler: (ctx, r) => setTime(ctx, r.data) },
  { netFn: S, cmd: 0x5c, privilege: PRIV.user, handler: () => ok([0xff, 0x07]) }, // UTC offset unspecified
];
