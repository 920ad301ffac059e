import {
  encodeLanParam,
  judgeLanWrite,
  LAN_PARAM,
  LAN_PARAM_REVISION,
  type LanParamView,
} from '../codec/lan-config.js';
import { SUPPORTED_SUITES } from '../codec/cipher-suites.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, LAN_CHANNEL, NETFN, ok } from './context.js';

const T = NETFN.transport;

function isLanChannel(byte: number): boolean {
  const ch = byte & 0x0f;
  return ch === LAN_CHANNEL || ch === 0x0e;
}

function view(ctx: CommandContext): LanParamView {
  return {
    lan: ctx.telemetry.lan(ctx.nodeId, ctx.address),
    md5: ctx.ipmi15,
    cipherSuites: SUPPORTED_SUITES.map((s) => s.id),
    suitePrivilege: () => PRIV.admin,
    setInProgress: ctx.state.lanSetInProgress,
  };
}

function getLanConfig(ctx: CommandContext, data: Buffer) {
  if (data.length < 4) return fail(CC.requestLength);
  if (!isLanChannel(data[0]!)) return fail(CC.invalidData);
  if (data[0]! & 0x80) return ok([LAN_PARAM_REVISION]);
  const bytes = encodeLanParam(data[1]!, view(ctx), data[2]!);
  if (!bytes) return fail(CC.paramNotSupported);
  if (bytes === 'outOfRange') return fail(CC.paramOutOfRange);
  return ok([LAN_PARAM_REVISION, ...bytes]);
}

function setLanConfig(ctx: CommandContext, data: Buffer) {
  if (data.length < 3) return fail(CC.requestLength);
  if (!isLanChannel(data[0]!)) return fail(CC.invalidData);
  const param = data[1]!;
  const value = data.subarray(2);
  switch (judgeLanWrite(param, value, view(ctx))) {
    case 'unsupported':
      return fail(CC.paramNotSupported);
    case 'readOnly':
      return fail(CC.readOnlyParam);
    case 'badLength':
      return fail(CC.requestLength);
    case 'invalid':
      return fail(CC.invalidData);
    case 'ok':
      break;
  }
  if (param === LAN_PARAM.setInProgress) {
    const want = value[0]! & 0x03;
    if (want === 1 && ctx.state.lanSetInProgress === 1) return fail(CC.setInProgressBusy);
    ctx.state.lanSetInProgress = want === 2 ? 0 : want; // commit write: nothing staged, back to complete
  }
  return ok();
}

export const lanCommands: CommandSpec[] = [
  { netFn: T, cmd: 0x01, privilege: PRIV.admin, handler: (ctx, r) => setLanConfig(ctx, r.data) },
  { netFn: T, cmd: 0x02, privilege: PRIV.operator, handler: (ctx, r) => getLanConfig(ctx, r.data) },
];
