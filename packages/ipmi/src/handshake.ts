import { randomBytes } from 'node:crypto';
import { findSuite } from './codec/cipher-suites.js';
import {
  decodeOpenSessionRequest,
  decodeRakp1,
  decodeRakp3,
  encodeOpenSessionResponse,
  encodeRakp2,
  encodeRakp4,
  type RakpContext,
  RMCP_STATUS,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  sameBytes,
  sessionIntegrityKey,
  userKey,
} from './codec/rakp.js';
import { deriveKeys } from './codec/rmcp-plus.js';
import { USER_ID } from './commands/app.js';
import type { Credentials } from './commands/context.js';
import { PRIV } from './privilege.js';
import type { Peer, SessionTable } from './sessions.js';

export interface HandshakeDeps {
  sessions: SessionTable;
  credentials: Credentials;
  /** BMC key; undefined = use the user key (Kuid). */
  kg: Buffer | undefined;
  guid: Buffer;
}

/** A handshake answer; `failed` answers go out after the constant failure delay. */
export interface HandshakeReply {
  payload: Buffer;
  failed: boolean;
}

export function openSession(deps: HandshakeDeps, payload: Buffer, peer: Peer): HandshakeReply {
  const req = decodeOpenSessionRequest(payload);
  const failWith = (status: number): HandshakeReply => ({
    failed: true,
    payload: encodeOpenSessionResponse({
      tag: req.tag,
      status,
      maxPrivilege: 0,
      consoleSessionId: req.consoleSessionId,
      bmcSessionId: 0,
    }),
  });
  const suite = findSuite(req.auth, req.integrity, req.confidentiality);
  if (!suite) return failWith(RMCP_STATUS.noCipherSuiteMatch);
  const priv = req.maxPrivilege === 0 ? PRIV.admin : req.maxPrivilege;
  if (priv > PRIV.admin) return failWith(RMCP_STATUS.unauthorizedRole);
  const s = deps.sessions.create({
    version: '2.0',
    state: 'opened',
    peer,
    consoleSessionId: req.consoleSessionId,
    maxPrivilege: priv,
  });
  if (!s) return failWith(RMCP_STATUS.insufficientResources);
  s.suite = suite;
  return {
    failed: false,
    payload: encodeOpenSessionResponse({
      tag: req.tag,
      status: 0,
      maxPrivilege: priv,
      consoleSessionId: req.consoleSessionId,
      bmcSessionId: s.bmcSessionId,
      suite,
    }),
  };
}

export function rakp1(deps: HandshakeDeps, payload: Buffer): HandshakeReply {
  const r = decodeRakp1(payload);
  const s = deps.sessions.get(r.bmcSessionId);
  const reply = (status: number, consoleSessionId: number): HandshakeReply => ({
    failed: true,
    payload: encodeRakp2({
      tag: r.tag,
      status,
      consoleSessionId,
      bmcRandom: Buffer.alloc(0),
      bmcGuid: Buffer.alloc(0),
      authCode: Buffer.alloc(0),
    }),
  });
  if (s?.version !== '2.0' || (s.state !== 'opened' && s.state !== 'rakp2-sent') || !s.suite) {
    return reply(RMCP_STATUS.invalidSessionId, 0);
  }
  const fail = (status: number) => {
    deps.sessions.close(s.bmcSessionId);
    return reply(status, s.consoleSessionId);
  };
  const priv = r.role & 0x0f;
  if (priv < PRIV.callback || priv > PRIV.oem || (r.role & 0xe0) !== 0) return fail(RMCP_STATUS.invalidRole);
  if (r.userName.length === 0 || r.userName.toString('latin1') !== deps.credentials.user) {
    return fail(RMCP_STATUS.unauthorizedName);
  }
  if (priv > PRIV.admin || priv > s.maxPrivilege) return fail(RMCP_STATUS.unauthorizedRole);
  const ctx: RakpContext = {
    suite: s.suite,
    consoleSessionId: s.consoleSessionId,
    bmcSessionId: s.bmcSessionId,
    consoleRandom: r.consoleRandom,
    bmcRandom: randomBytes(16),
    bmcGuid: deps.guid,
    role: r.role,
    userName: r.userName,
  };
  s.rakp = ctx;
  s.state = 'rakp2-sent';
  s.userId = USER_ID;
  s.userName = r.userName;
  s.maxPrivilege = priv;
  s.lastActivity = Date.now();
  const authCode = rakp2AuthCode(ctx, userKey(deps.credentials.password));
  return {
    failed: false,
    payload: encodeRakp2({
      tag: r.tag,
      status: 0,
      consoleSessionId: s.consoleSessionId,
      bmcRandom: ctx.bmcRandom,
      bmcGuid: ctx.bmcGuid,
      authCode,
    }),
  };
}

/** Returns undefined when the console itself reported an error (nothing to answer). */
export function rakp3(deps: HandshakeDeps, payload: Buffer): HandshakeReply | undefined {
  const r = decodeRakp3(payload);
  const s = deps.sessions.get(r.bmcSessionId);
  const reply = (status: number, consoleSessionId: number): HandshakeReply => ({
    failed: true,
    payload: encodeRakp4({ tag: r.tag, status, consoleSessionId, icv: Buffer.alloc(0) }),
  });
  if (s?.version !== '2.0' || s.state !== 'rakp2-sent' || !s.rakp || !s.suite) {
    return reply(RMCP_STATUS.invalidSessionId, 0);
  }
  if (r.status !== 0) {
    deps.sessions.close(s.bmcSessionId);
    return undefined;
  }
  const kuid = userKey(deps.credentials.password);
  if (!sameBytes(r.authCode, rakp3AuthCode(s.rakp, kuid))) {
    deps.sessions.close(s.bmcSessionId);
    return reply(RMCP_STATUS.invalidIntegrityCheck, s.consoleSessionId);
  }
  const sik = sessionIntegrityKey(s.rakp, deps.kg ?? kuid);
  s.keys = deriveKeys(s.suite, sik);
  s.state = 'active';
  s.privilege = Math.min(PRIV.user, s.maxPrivilege);
  s.lastActivity = Date.now();
  return {
    failed: false,
    payload: encodeRakp4({ tag: r.tag, status: 0, consoleSessionId: s.consoleSessionId, icv: rakp4Icv(s.rakp, sik) }),
  };
}
