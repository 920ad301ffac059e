import { ipv4ToInt, isIpv4 } from '@bmc-emu/core';
import { cipherSuiteRecords } from '../codec/cipher-suites.js';
import { guidBytes } from '../codec/guid.js';
import { AUTH_MD5 } from '../codec/session15.js';
import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import type { Session } from '../sessions.js';
import { type CommandContext, type CommandSpec, fail, LAN_CHANNEL, NETFN, ok } from './context.js';

export const USER_ID = 2;
export const MAX_USERS = 2;

const A = NETFN.app;

function channelOf(byte: number): number | undefined {
  const ch = byte & 0x0f;
  return ch === 0x0e || ch === LAN_CHANNEL ? LAN_CHANNEL : undefined;
}

function getDeviceId(): ReturnType<typeof ok> {
  return ok([
    0x20, // device id
    0x01, // device revision, no device SDRs
    0x01, // firmware 1.
    0x00, //   .00
    0x02, // IPMI 2.0
    0x8f, // chassis, FRU inventory, SEL, SDR repository, sensor device
    0x00,
    0x00,
    0x00, // manufacturer (unassigned)
    0x01,
    0x00, // product id
    0x00,
    0x00,
    0x00,
    0x00, // aux firmware revision
  ]);
}

async function systemGuid(ctx: CommandContext) {
  const node = await ctx.driver.get(ctx.nodeId);
  return ok(guidBytes(node.id));
}

function channelAuthCaps(ctx: CommandContext, data: Buffer) {
  if (data.length < 2) return fail(CC.requestLength);
  const channel = channelOf(data[0]!);
  if (channel === undefined) return fail(CC.invalidData);
  const extended = (data[0]! & 0x80) !== 0;
  const md5 = ctx.ipmi15 ? 1 << AUTH_MD5 : 0;
  return ok([
    channel,
    (extended ? 0x80 : 0) | md5,
    (ctx.kgSet ? 0x20 : 0) | 0x04, // per-message and user-level auth on; non-null user names
    extended ? 0x02 | (ctx.ipmi15 ? 0x01 : 0) : 0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  ]);
}

function channelCipherSuites(data: Buffer) {
  if (data.length < 3) return fail(CC.requestLength);
  const channel = channelOf(data[0]!);
  if (channel === undefined) return fail(CC.invalidData);
  const payloadType = data[1]! & 0x3f;
  if (payloadType !== 0 && payloadType !== 1) return fail(CC.invalidData);
  const index = data[2]! & 0x3f;
  const records = cipherSuiteRecords();
  return ok(Buffer.concat([Buffer.from([channel]), records.subarray(index * 16, index * 16 + 16)]));
}

function sessionInfoRecord(ctx: CommandContext, s: Session | undefined) {
  const head = [s?.handle ?? 0, ctx.sessions.maxSessions & 0x3f, ctx.sessions.activeCount & 0x3f];
  if (!s) return ok(head);
  const v4 = s.peer.address.replace(/^::ffff:/i, '');
  const n = isIpv4(v4) ? ipv4ToInt(v4) : 0; // an IPv6 peer has no 4-byte form here
  const ip = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const port = Buffer.alloc(2);
  port.writeUInt16LE(s.peer.port);
  return ok([
    ...head,
    s.userId,
    s.privilege,
    ((s.version === '2.0' ? 1 : 0) << 4) | LAN_CHANNEL,
    ...(ip.length === 4 ? ip : [0, 0, 0, 0]),
    0,
    0,
    0,
    0,
    0,
    0,
    ...port,
  ]);
}

function getSessionInfo(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const active = ctx.sessions.all().filter((s) => s.state === 'active');
  const sel = data[0]!;
  if (sel === 0x00) return sessionInfoRecord(ctx, ctx.session);
  if (sel === 0xfe) {
    if (data.length < 2) return fail(CC.requestLength);
    return sessionInfoRecord(
      ctx,
      active.find((s) => s.handle === data[1]),
    );
  }
  if (sel === 0xff) {
    if (data.length < 5) return fail(CC.requestLength);
    return sessionInfoRecord(ctx, ctx.sessions.get(data.readUInt32LE(1)));
  }
  return sessionInfoRecord(ctx, active[sel - 1]);
}

function setSessionPrivilege(ctx: CommandContext, data: Buffer) {
  const s = ctx.session!;
  if (data.length < 1) return fail(CC.requestLength);
  const want = data[0]! & 0x0f;
  if (want === 0) return ok([s.privilege]);
  if (want < PRIV.user || want > PRIV.oem) return fail(0x80);
  if (want > s.maxPrivilege) return fail(0x81);
  s.privilege = want;
  return ok([want]);
}

function closeSession(ctx: CommandContext, data: Buffer) {
  if (data.length < 4) return fail(CC.requestLength);
  const id = data.readUInt32LE(0);
  const own = ctx.session!;
  if (id === 0 && data.length >= 5) {
    const target = ctx.sessions.all().find((s) => s.handle === data[4]);
    if (!target) return fail(0x88);
    if (target !== own && own.privilege < PRIV.admin) return fail(CC.insufficientPrivilege);
    ctx.closeSessionAfterReply = target.bmcSessionId;
    return ok();
  }
  const target = ctx.sessions.get(id);
  if (!target) return fail(0x87);
  if (target !== own && own.privilege < PRIV.admin) return fail(CC.insufficientPrivilege);
  ctx.closeSessionAfterReply = target.bmcSessionId;
  return ok();
}

function getChannelInfo(data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const channel = channelOf(data[0]!);
  if (channel === undefined) return fail(CC.invalidData);
  return ok([channel, 0x04, 0x01, 0x80, 0xf2, 0x1b, 0x00, 0x00, 0x00]);
}

function getChannelAccess(data: Buffer) {
  if (data.length < 2) return fail(CC.requestLength);
  if (channelOf(data[0]!) === undefined) return fail(CC.invalidData);
  const type = data[1]! >> 6;
  if (type !== 1 && type !== 2) return fail(CC.invalidData);
  return ok([0x22, PRIV.admin]); // always available, alerting off, per-message + user auth on
}

function getUserAccess(ctx: CommandContext, data: Buffer) {
  if (data.length < 2) return fail(CC.requestLength);
  if (channelOf(data[0]!) === undefined) return fail(CC.invalidData);
  const user = data[1]! & 0x3f;
  if (user < 1 || user > MAX_USERS) return fail(CC.invalidData);
  void ctx;
  return ok([MAX_USERS, 0x40 | 1, 0x00, user === USER_ID ? 0x30 | PRIV.admin : 0x0f]);
}

function getUserName(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  const user = data[0]! & 0x3f;
  if (user < 1 || user > MAX_USERS) return fail(CC.invalidData);
  const name = Buffer.alloc(16);
  if (user === USER_ID) Buffer.from(ctx.credentials.user).copy(name, 0, 0, 16);
  return ok(name);
}

async function activatePayload(ctx: CommandContext, data: Buffer) {
  if (data.length < 6) return fail(CC.requestLength);
  const s = ctx.session!;
  if ((data[0]! & 0x3f) !== 1) return fail(CC.invalidData);
  if (data[1] !== 1) return fail(CC.invalidData);
  if (s.version !== '2.0') return fail(CC.notInPresentState);
  if (ctx.sessions.all().some((x) => x.solActive)) return fail(0x80);
  if (!ctx.driver.openConsole) return fail(0x81);
  await ctx.sol.activate(s);
  const out = Buffer.alloc(12);
  out.writeUInt16LE(255, 4); // inbound payload size
  out.writeUInt16LE(255, 6); // outbound payload size
  out.writeUInt16LE(ctx.port, 8);
  out.writeUInt16LE(0xffff, 10); // no VLAN
  return ok(out);
}

function deactivatePayload(ctx: CommandContext, data: Buffer) {
  if (data.length < 6) return fail(CC.requestLength);
  if ((data[0]! & 0x3f) !== 1 || data[1] !== 1) return fail(CC.invalidData);
  const active = ctx.sessions.all().find((x) => x.solActive);
  if (!active) return fail(0x80);
  if (active !== ctx.session && ctx.session!.privilege < PRIV.admin) return fail(CC.insufficientPrivilege);
  ctx.sol.deactivate(active);
  return ok();
}

function payloadActivationStatus(ctx: CommandContext, data: Buffer) {
  if (data.length < 1) return fail(CC.requestLength);
  if ((data[0]! & 0x3f) !== 1) return fail(CC.invalidData);
  const active = ctx.sessions.all().some((x) => x.solActive);
  return ok([1, active ? 1 : 0, 0]);
}

export const appCommands: CommandSpec[] = [
  { netFn: A, cmd: 0x01, privilege: PRIV.user, handler: getDeviceId },
  { netFn: A, cmd: 0x02, privilege: PRIV.admin, handler: () => ok() }, // cold reset
  { netFn: A, cmd: 0x03, privilege: PRIV.admin, handler: () => ok() }, // warm reset
  { netFn: A, cmd: 0x04, privilege: PRIV.user, handler: () => ok([0x55, 0x00]) },
  { netFn: A, cmd: 0x08, privilege: PRIV.user, handler: systemGuid }, // Get Device GUID
  { netFn: A, cmd: 0x37, privilege: PRIV.user, handler: systemGuid },
  { netFn: A, cmd: 0x38, privilege: 0, handler: (ctx, r) => channelAuthCaps(ctx, r.data) },
  { netFn: A, cmd: 0x54, privilege: 0, handler: (_ctx, r) => channelCipherSuites(r.data) },
  { netFn: A, cmd: 0x3b, privilege: PRIV.user, handler: (ctx, r) => setSessionPrivilege(ctx, r.data) },
  { netFn: A, cmd: 0x3c, privilege: PRIV.user, handler: (ctx, r) => closeSession(ctx, r.data) },
  { netFn: A, cmd: 0x3d, privilege: PRIV.user, handler: (ctx, r) => getSessionInfo(ctx, r.data) },
  { netFn: A, cmd: 0x41, privilege: PRIV.user, handler: (_ctx, r) => getChannelAccess(r.data) },
  { netFn: A, cmd: 0x42, privilege: PRIV.user, handler: (_ctx, r) => getChannelInfo(r.data) },
  { netFn: A, cmd: 0x44, privilege: PRIV.operator, handler: (ctx, r) => getUserAccess(ctx, r.data) },
  { netFn: A, cmd: 0x46, privilege: PRIV.operator, handler: (ctx, r) => getUserName(ctx, r.data) },
  { netFn: A, cmd: 0x48, privilege: PRIV.user, handler: (ctx, r) => activatePayload(ctx, r.data) },
  { netFn: A, cmd: 0x49, privilege: PRIV.user, handler: (ctx, r) => deactivatePayload(ctx, r.data) },
  { netFn: A, cmd: 0x4a, privilege: PRIV.user, handler: (ctx, r) => payloadActivationStatus(ctx, r.data) },
];
