import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, LAN_CHANNEL, NETFN, ok } from './context.js';

const T = NETFN.transport;

/** Get SOL Configuration Parameters: enough for `ipmitool sol info` and `sol activate`. */
function solConfig(ctx: CommandContext, data: Buffer) {
  if (data.length < 4) return fail(CC.requestLength);
  const revisionOnly = (data[0]! & 0x80) !== 0;
  if (revisionOnly) return ok([0x11]);
  const port = Buffer.alloc(2);
  port.writeUInt16LE(ctx.port);
  const params: Record<number, number[]> = {
    0: [0x00], // set complete
    1: [0x01], // SOL enabled
    2: [0x02 | 0x40 | 0x80], // user privilege, forced auth + encryption
    3: [0x00, 0x00], // character accumulate interval, send threshold
    4: [0x07, 0x02], // retry count, interval
    5: [0x0a], // non-volatile bit rate 115200
    6: [0x0a], // volatile bit rate
    7: [LAN_CHANNEL], // payload channel
    8: [...port], // payload port
  };
  const p = params[data[1]! & 0x7f];
  if (!p) return fail(0x80);
  return ok([0x11, ...p]);
}

function setSolConfig(data: Buffer) {
  if (data.length < 3) return fail(CC.requestLength);
  return fail(0x82); // read-only here
}

export const transportCommands: CommandSpec[] = [
  { netFn: T, cmd: 0x22, privilege: PRIV.user, handler: (ctx, r) => solConfig(ctx, r.data) },
  { netFn: T, cmd: 0x21, privilege: PRIV.admin, handler: (_ctx, r) => setSolConfig(r.data) },
];
