import { encodeEventOnlyRecord, encodeFullSensorRecord, encodeMcLocator, SDR_VERSION } from '../codec/sdr.js';
import { EVENT_SENSORS } from '../codec/sel-record.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, NETFN, ok } from './context.js';

const S = NETFN.storage;
/** Largest chunk one Get SDR answers (fits every session's payload with room to spare). */
const MAX_READ = 64;

/**
 * The repository: one full sensor record per sensor (ids 1..n), event-only records naming the
 * sources of power/boot/log events in the SEL, then the BMC's device locator.
 */
async function records(ctx: CommandContext): Promise<Buffer[]> {
  const node = await ctx.driver.get(ctx.nodeId);
  const out = ctx.telemetry.sensors(node).map((d, i) => encodeFullSensorRecord(i + 1, d));
  for (const e of EVENT_SENSORS) out.push(encodeEventOnlyRecord(out.length + 1, e));
  out.push(encodeMcLocator(out.length + 1, 'bmc-emu BMC'));
  return out;
}

async function repositoryInfo(ctx: CommandContext) {
  const n = (await records(ctx)).length;
  return ok([SDR_VERSION, n & 0xff, n >> 8, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x22]); // non-modal update; reserve
}

function reserve(ctx: CommandContext) {
  const id = (ctx.state.sdrReservation % 0xffff) + 1;
  ctx.state.sdrReservation = id;
  return ok([id & 0xff, id >> 8]);
}

async function getSdr(ctx: CommandContext, data: Buffer) {
  if (data.length < 6) return fail(CC.requestLength);
  const reservation = data.readUInt16LE(0);
  const id = data.readUInt16LE(2);
  const offset = data[4]!;
  const count = data[5]!;
  const all = await records(ctx);
  const index = id === 0 ? 0 : id === 0xffff ? all.length - 1 : all.findIndex((r) => r.readUInt16LE(0) === id);
  const record = all[index];
  if (index < 0 || !record) return fail(CC.notPresent);
  const partial = offset !== 0 || count !== 0xff;
  if ((partial || reservation !== 0) && reservation !== ctx.state.sdrReservation) return fail(CC.reservationInvalid);
  if (offset > record.length) return fail(CC.paramOutOfRange);
  const want = count === 0xff ? record.length - offset : count;
  if (want > MAX_READ && count !== 0xff) return fail(CC.cannotReturnBytes);
  const next = all[index + 1]?.readUInt16LE(0) ?? 0xffff;
  const chunk = record.subarray(offset, offset + want);
  return ok(Buffer.concat([Buffer.from([next & 0xff, next >> 8]), chunk]));
}

export const sdrRepositoryCommands: CommandSpec[] = [
  { netFn: S, cmd: 0x20, privilege: PRIV.user, handler: (ctx) => repositoryInfo(ctx) },
  { netFn: S, cmd: 0x22, privilege: PRIV.user, handler: (ctx) => reserve(ctx) },
  { netFn: S, cmd: 0x23, privilege: PRIV.user, handler: (ctx, r) => getSdr(ctx, r.data) },
];
