import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, NETFN, ok } from './context.js';

const DCMI = 0xdc;

/**
 * DCMI Get Power Reading (DCMI 1.5 6.6.1), mode 1 (system power statistics): the PSU input power
 * sensor's reading; the statistics period is one reading, so minimum, maximum and average equal it.
 */
async function powerReading(ctx: CommandContext, data: Buffer) {
  if (data.length < 4) return fail(CC.requestLength);
  if (data[0] !== DCMI) return fail(CC.invalidCommand);
  if (data[1] !== 0x01) return fail(CC.invalidData); // enhanced statistics (mode 2) not offered
  const watts = (await ctx.telemetry.readings(ctx.nodeId)).find((r) => r.def.kind === 'power');
  if (!watts) return fail(CC.notPresent);
  const node = await ctx.driver.get(ctx.nodeId);
  const w = watts.value;
  const out = Buffer.alloc(18);
  out[0] = DCMI;
  out.writeUInt16LE(w, 1);
  out.writeUInt16LE(w, 3);
  out.writeUInt16LE(w, 5);
  out.writeUInt16LE(w, 7);
  out.writeUInt32LE(ctx.telemetry.sel.time(ctx.nodeId) >>> 0, 9);
  out.writeUInt32LE(1000, 13); // statistics period: 1 s (one reading)
  out[17] = node.powerState === 'Off' ? 0x00 : 0x40; // power measurement active
  return ok(out);
}

export const dcmiPowerCommands: CommandSpec[] = [
  { netFn: NETFN.groupExt, cmd: 0x02, privilege: PRIV.user, handler: (ctx, r) => powerReading(ctx, r.data) },
];
