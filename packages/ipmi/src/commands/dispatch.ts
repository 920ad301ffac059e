import type { IpmiRequest } from '../codec/message.js';
import { CC, CompletionError, completionCodeFor } from '../completion-codes.js';
import { appCommands } from './app.js';
import { chassisCommands } from './chassis.js';
import type { CommandContext, CommandResult, CommandSpec } from './context.js';
import { dcmiPowerCommands } from './dcmi-power.js';
import { groupExtensionCommands } from './group-ext.js';
import { lanCommands } from './lan.js';
import { sdrRepositoryCommands } from './sdr-repository.js';
import { selCommands } from './sel.js';
import { sensorCommands } from './sensor.js';
import { storageCommands } from './storage.js';
import { transportCommands } from './transport.js';

const table = new Map<number, CommandSpec>();
for (const spec of [
  ...appCommands,
  ...chassisCommands,
  ...storageCommands,
  ...transportCommands,
  ...groupExtensionCommands,
  ...sensorCommands,
  ...sdrRepositoryCommands,
  ...selCommands,
  ...lanCommands,
  ...dcmiPowerCommands,
]) {
  table.set((spec.netFn << 8) | spec.cmd, spec);
}

/** Run one request; every failure becomes a completion code here. */
export async function dispatch(ctx: CommandContext, req: IpmiRequest): Promise<CommandResult> {
  if ((req.netFn & 1) === 1) return { cc: CC.invalidCommand };
  const spec = table.get((req.netFn << 8) | req.cmd);
  if (!spec) return { cc: CC.invalidCommand };
  if (spec.privilege > 0) {
    if (ctx.session?.state !== 'active') return { cc: CC.insufficientPrivilege };
    if (ctx.session.privilege < spec.privilege) return { cc: CC.insufficientPrivilege };
  }
  try {
    return await spec.handler(ctx, req);
  } catch (err) {
    if (err instanceof CompletionError) return { cc: err.cc };
    ctx.logger.warn({ err, netFn: req.netFn, cmd: req.cmd }, 'ipmi command failed');
    return { cc: completionCodeFor(err) };
  }
}
