import { buildFru } from '../codec/fru.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, NETFN, ok } from './context.js';

const S = NETFN.storage;

async function fruImage(ctx: CommandContext): Promise<Buffer> {
  const n = await ctx.driver.get(ctx.nodeId);
  return buildFru({
    manufacturer: n.manufacturer,
    productName: n.model,
    partNumber: n.name,
    version: '1.0',
    serialNumber: n.serialNumber,
    assetTag: n.id,
  });
}

async function fruAreaInfo(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  if (data[0] !== 0) return fail(CC.notPresent);
  const size = (await fruImage(ctx)).length;
  return ok([size & 0xff, size >> 8, 0x00]);
}

async function readFru(ctx: CommandContext, data: Buffer) {
  if (data.length < 4) return fail(CC.requestLength);
  if (data[0] !== 0) return fail(CC.notPresent);
  const offset = data.readUInt16LE(1);
  const count = data[3]!;
  const image = await fruImage(ctx);
  if (offset >= image.length) return fail(CC.paramOutOfRange);
  const chunk = image.subarray(offset, Math.min(image.length, offset + count, offset + 200));
  return ok(Buffer.concat([Buffer.from([chunk.length]), chunk]));
}

const SDR_RECORDS = [mcDeviceLocator('bmc-emu BMC')];

/**
 * A repository with one Management Controller Device Locator (ipmitool rebuilds an empty
 * repository from sensors and fails, so `sdr list` needs at least one record).
 */
function mcDeviceLocator(id: string): Buffer {
  const name = Buffer.from(id, 'latin1');
  const body = Buffer.from([0x20, 0x00, 0x00, 0x80, 0, 0, 0, 0x06, 0x01, 0x00, 0xc0 | name.length, ...name]);
  return Buffer.concat([Buffer.from([0x01, 0x00, 0x51, 0x12, body.length]), body]);
}

function sdrRepositoryInfo() {
  const n = SDR_RECORDS.length;
  return ok([0x51, n & 0xff, n >> 8, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
}

function getSdr(data: Buffer) {
  if (data.length < 6) return fail(CC.requestLength);
  const id = data.readUInt16LE(2);
  const offset = data[4]!;
  const count = data[5]!;
  const index = id === 0 ? 0 : SDR_RECORDS.findIndex((r) => r.readUInt16LE(0) === id);
  const record = SDR_RECORDS[index];
  if (index < 0 || !record) return fail(CC.notPresent);
  if (offset > record.length) return fail(CC.paramOutOfRange);
  const next = SDR_RECORDS[index + 1]?.readUInt16LE(0) ?? 0xffff;
  const chunk = record.subarray(offset, count === 0xff ? record.length : offset + count);
  return ok(Buffer.concat([Buffer.from([next & 0xff, next >> 8]), chunk]));
}

function reserve() {
  return ok([0x01, 0x00]);
}

function selInfo() {
  return ok([0x51, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
}

export const storageCommands: CommandSpec[] = [
  { netFn: S, cmd: 0x10, privilege: PRIV.user, handler: (ctx, r) => fruAreaInfo(ctx, r.data) },
  { netFn: S, cmd: 0x11, privilege: PRIV.user, handler: (ctx, r) => readFru(ctx, r.data) },
  { netFn: S, cmd: 0x20, privilege: PRIV.user, handler: sdrRepositoryInfo },
  { netFn: S, cmd: 0x22, privilege: PRIV.user, handler: reserve },
  { netFn: S, cmd: 0x23, privilege: PRIV.user, handler: (_ctx, r) => getSdr(r.data) },
  { netFn: S, cmd: 0x40, privilege: PRIV.user, handler: selInfo },
  { netFn: S, cmd: 0x42, privilege: PRIV.operator, handler: reserve },
  { netFn: S, cmd: 0x43, privilege: PRIV.user, handler: () => fail(CC.notPresent) },
];
