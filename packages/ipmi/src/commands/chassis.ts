import type { PowerAction } from '@bmc-emu/core';
import {
  decodeBootFlags,
  encodeBootFlags,
  flagsDescribe,
  flagsFromOverride,
  isKnownDevice,
  overrideFromFlags,
} from '../codec/boot-flags.js';
import { CC, completionCodeFor } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandContext, type CommandSpec, fail, ipmiActor, NETFN, ok } from './context.js';

const C = NETFN.chassis;

const CONTROL: Record<number, PowerAction> = {
  0: 'ForceOff',
  1: 'On',
  2: 'PowerCycle',
  3: 'ForceRestart',
  4: 'Nmi',
  5: 'GracefulShutdown',
};

async function chassisStatus(ctx: CommandContext) {
  const node = await ctx.driver.get(ctx.nodeId);
  const on = node.powerState === 'On' || node.powerState === 'PoweringOff';
  const identifying = ctx.state.identifyUntil > Date.now();
  const identifyState = ctx.state.identifyUntil === Number.POSITIVE_INFINITY ? 2 : identifying ? 1 : 0;
  return ok([(on ? 0x01 : 0) | 0x20 /* restore previous state */, 0x00, 0x40 | (identifyState << 4), 0x00]);
}

/**
 * Start the power action and answer as soon as it is under way: a driver that is quick gets its
 * errors mapped; a slow one keeps working in the background and the client is not kept waiting.
 */
async function chassisControl(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const action = CONTROL[data[0]! & 0x0f];
  if (!action) return fail(CC.invalidData);
  const delivered = ctx.bootValid.chassisControl(action);
  ctx.telemetry.note(ctx.nodeId, 'power', ipmiActor(ctx), action);
  const started = ctx.driver.power(ctx.nodeId, action).then(
    () => {
      delivered(true);
      return CC.ok;
    },
    (err: unknown) => {
      delivered(false);
      ctx.logger.warn({ err, node: ctx.nodeId, action }, 'ipmi chassis control failed');
      return completionCodeFor(err);
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(CC.ok), ctx.powerAnswerMs);
  });
  const cc = await Promise.race([started, late]);
  clearTimeout(timer);
  return fail(cc);
}

function identify(ctx: CommandContext, data: Buffer) {
  const interval = data.length >= 1 ? data[0]! : 15;
  const force = data.length >= 2 && (data[1]! & 1) === 1;
  ctx.state.identifyUntil = force ? Number.POSITIVE_INFINITY : Date.now() + interval * 1000;
  return ok();
}

const PARAM_LENGTH: Record<number, number> = { 0: 1, 1: 1, 2: 1, 3: 1, 4: 2, 5: 5 };

async function setBootOptions(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const param = data[0]! & 0x7f;
  const body = data.subarray(1);
  const want = PARAM_LENGTH[param];
  if (want === undefined) return fail(param <= 7 ? CC.paramNotSupported : CC.paramNotSupported);
  if (body.length !== want) return fail(CC.requestLength);
  const st = ctx.state;
  switch (param) {
    case 0: {
      const v = body[0]! & 0x03;
      if (v === 3) return fail(CC.invalidData);
      if (v === 1 && st.bootSetInProgress === 1) return fail(CC.setInProgressBusy);
      st.bootSetInProgress = v === 2 ? 0 : v;
      return ok();
    }
    case 1:
      st.servicePartitionSelector = body[0]!;
      return ok();
    case 2:
      st.servicePartitionScan = body[0]! & 0x03;
      return ok();
    case 3:
      st.bootValidBitClearing = body[0]! & 0x1f;
      ctx.bootValid.clearingWritten();
      return ok();
    case 4:
      st.bootInfoAck = (st.bootInfoAck & ~body[0]!) | (body[1]! & body[0]!);
      return ok();
    default: {
      const flags = decodeBootFlags(body);
      if (flags.valid && !isKnownDevice(flags.device)) return fail(CC.invalidData);
      ctx.telemetry.note(ctx.nodeId, 'boot', ipmiActor(ctx));
      await ctx.driver.setBootOverride(ctx.nodeId, overrideFromFlags(flags));
      st.lastBootFlags = flags;
      ctx.bootValid.flagsWritten();
      return ok();
    }
  }
}

async function getBootOptions(ctx: CommandContext, data: Buffer) {
  if (data.length < 3) return fail(CC.requestLength);
  const param = data[0]! & 0x7f;
  const st = ctx.state;
  const reply = (bytes: number[] | Buffer) => ok(Buffer.concat([Buffer.from([0x01, param]), Buffer.from(bytes)]));
  switch (param) {
    case 0:
      return reply([st.bootSetInProgress]);
    case 1:
      return reply([st.servicePartitionSelector]);
    case 2:
      return reply([st.servicePartitionScan]);
    case 3:
      return reply([st.bootValidBitClearing]);
    case 4:
      return reply([0x00, st.bootInfoAck]);
    case 5: {
      const override = await ctx.driver.getBootOverride(ctx.nodeId);
      const last = st.lastBootFlags;
      const flags = last && flagsDescribe(last, override) ? last : flagsFromOverride(override);
      return reply(encodeBootFlags(flags));
    }
    default:
      return fail(CC.paramNotSupported);
  }
}

function chassisCapabilities() {
  return ok([0x00, 0x20, 0x20, 0x20, 0x20]);
}

export const chassisCommands: CommandSpec[] = [
  { netFn: C, cmd: 0x00, privilege: PRIV.user, handler: chassisCapabilities },
  { netFn: C, cmd: 0x01, privilege: PRIV.user, handler: chassisStatus },
  { netFn: C, cmd: 0x02, privilege: PRIV.operator, handler: (ctx, r) => chassisControl(ctx, r.data) },
  { netFn: C, cmd: 0x04, privilege: PRIV.operator, handler: (ctx, r) => identify(ctx, r.data) },
  { netFn: C, cmd: 0x08, privilege: PRIV.operator, handler: (ctx, r) => setBootOptions(ctx, r.data) },
  { netFn: C, cmd: 0x09, privilege: PRIV.user, handler: (ctx, r) => getBootOptions(ctx, r.data) },
];
