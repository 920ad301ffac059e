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

export const storageCommands: CommandSpec[] = [
  { netFn: S, cmd: 0x10, privilege: PRIV.user, handler: (ctx, r) => fruAreaInfo(ctx, r.data) },
  { netFn: S, cmd: 0x11, privilege: PRIV.user, handler: (ctx, r) => readFru(ctx, r.data) },
];
