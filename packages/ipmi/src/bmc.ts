import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBus, Logger, NodeDriver, NodeEvent, RackEventInput, Telemetry } from '@bmc-emu/core';
import { BootValidBit } from './boot-valid-bit.js';
import { IpmiDecodeError } from './codec/errors.js';
import { guidBytes } from './codec/guid.js';
import { decodeRequest, encodeResponse, type IpmiRequest } from './codec/message.js';
import { sameBytes } from './codec/rakp.js';
import {
  ASF_IANA,
  ASF_PRESENCE_PING,
  decodeAsf,
  decodeRmcp,
  encodeRmcp,
  presencePong,
  RMCP_CLASS_ASF,
  RMCP_CLASS_IPMI,
} from './codec/rmcp.js';
import {
  decodeRmcpPlus,
  decryptPayload,
  encodeRmcpPlus,
  encryptPayload,
  integrityCode,
  PAYLOAD,
  verifyIntegrity,
} from './codec/rmcp-plus.js';
import {
  AUTH_MD5,
  AUTH_NONE,
  AUTH_RMCP_PLUS,
  decodeSession15,
  encodeSession15,
  md5AuthCode,
} from './codec/session15.js';
import { USER_ID } from './commands/app.js';
import {
  type BmcProtocolState,
  type CommandContext,
  type CommandResult,
  type Credentials,
  NETFN,
  newProtocolState,
} from './commands/context.js';
import { dispatch } from './commands/dispatch.js';
import { CC } from './completion-codes.js';
import { type HandshakeReply, openSession, rakp1, rakp3 } from './handshake.js';
import { PRIV } from './privilege.js';
import { SequenceWindow } from './seq-window.js';
import { type Peer, type Session, type SessionLimits, SessionTable } from './sessions.js';
import { SolRelay } from './sol-relay.js';

export interface BmcEndpointOptions {
  driver: NodeDriver;
  nodeId: string;
  credentials: Credentials;
  bind: string;
  port: number;
  kg: Buffer | undefined;
  ipmi15: boolean;
  limits: SessionLimits;
  failureDelayMs: number;
  powerAnswerMs: number;
  /** Automatic clear of the boot flag valid bit after it is set (spec: 60 s; IpmiServer passes the section's). */
  bootFlagValidTimeoutMs: number;
  /** Sensors and SEL shared with the other front ends. */
  telemetry: Telemetry;
  logger: Logger;
  /** The rack event stream: every answered command is published to it as an `ipmi` event. */
  events?: EventBus | undefined;
}

export interface BmcStats {
  received: number;
  answered: number;
  dropped: number;
}

/** Requests allowed before a session exists. */
const SESSIONLESS = new Set([(NETFN.app << 8) | 0x38, (NETFN.app << 8) | 0x54]);

/** One node's BMC: a UDP socket that speaks RMCP/ASF, IPMI 1.5 and RMCP+. */
export class BmcEndpoint {
  readonly sessions: SessionTable;
  readonly state: BmcProtocolState = newProtocolState();
  readonly stats: BmcStats = { received: 0, answered: 0, dropped: 0 };
  /** Answers' events, published once the answer is on its way so no reader runs before the datagram leaves. */
  private readonly answeredEvents: RackEventInput[] = [];
  private socket: Socket | undefined;
  private guid: Buffer = Buffer.alloc(16);
  private boundPort = 0;
  private readonly sol = new Map<number, SolRelay>();

  readonly bootValid: BootValidBit;

  constructor(private readonly opts: BmcEndpointOptions) {
    this.sessions = new SessionTable(opts.limits);
    this.bootValid = new BootValidBit({
      driver: opts.driver,
      nodeId: opts.nodeId,
      state: this.state,
      timeoutMs: opts.bootFlagValidTimeoutMs,
      logger: opts.logger,
    });
  }

  /** Driver events about this endpoint's node (power-ups and resets may clear the boot flag valid bit). */
  nodeEvent(e: NodeEvent): void {
    this.bootValid.nodeEvent(e);
  }

  get port(): number {
    return this.boundPort;
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  async start(): Promise<number> {
    const node = await this.opts.driver.get(this.opts.nodeId);
    this.guid = guidBytes(node.id);
    this.bootValid.seed(node.powerState, node.lastBoot?.at);
    const socket = createSocket({ type: this.opts.bind.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port, this.opts.bind, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.opts.logger.warn({ err, node: this.opts.nodeId }, 'ipmi socket error'));
    socket.on('message', (msg, rinfo) => void this.onDatagram(msg, rinfo));
    this.socket = socket;
    this.boundPort = socket.address().port;
    this.opts.telemetry.setBmcAddress(this.opts.nodeId, socket.address().address);
    return this.boundPort;
  }

  async stop(): Promise<void> {
    this.bootValid.stop();
    for (const s of this.sessions.clear()) this.endSol(s);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Forget idle sessions (called periodically by the server). */
  sweep(now = Date.now()): void {
    for (const s of this.sessions.expire(now)) this.endSol(s);
  }

  private async onDatagram(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    this.stats.received++;
    const peer = { address: rinfo.address, port: rinfo.port };
    this.sweep();
    try {
      const reply = await this.process(msg, peer);
      if (!reply) {
        this.stats.dropped++;
        return;
      }
      if (reply.delay) await sleep(this.opts.failureDelayMs);
      this.send(reply.bytes, peer);
    } catch (err) {
      this.stats.dropped++;
      if (!(err instanceof IpmiDecodeError))
        this.opts.logger.warn({ err, node: this.opts.nodeId }, 'ipmi datagram failed');
    } finally {
      this.publishAnswered();
    }
  }

  private publishAnswered(): void {
    const bus = this.opts.events;
    if (!bus) return;
    for (let e = this.answeredEvents.shift(); e; e = this.answeredEvents.shift()) bus.publish(e);
  }

  private send(bytes: Buffer, peer: Peer): void {
    if (!this.socket) return;
    this.stats.answered++;
    this.socket.send(bytes, peer.port, peer.address);
  }

  /** The bytes to answer with, or undefined for silence. */
  private async process(msg: Buffer, peer: Peer): Promise<{ bytes: Buffer; delay?: boolean } | undefined> {
    const rmcp = decodeRmcp(msg);
    if (rmcp.isAck) return undefined;
    if (rmcp.messageClass === RMCP_CLASS_ASF) {
      const asf = decodeAsf(rmcp.body);
      if (asf.iana !== ASF_IANA || asf.type !== ASF_PRESENCE_PING) return undefined;
      return { bytes: encodeRmcp(RMCP_CLASS_ASF, presencePong(asf.tag), rmcp.sequence) };
    }
    if (rmcp.messageClass !== RMCP_CLASS_IPMI || rmcp.body.length === 0) return undefined;
    const out =
      (rmcp.body[0]! & 0x0f) === AUTH_RMCP_PLUS
        ? await this.rmcpPlus(rmcp.body, peer)
        : await this.lan15(rmcp.body, peer);
    return out && { bytes: encodeRmcp(RMCP_CLASS_IPMI, out.bytes), ...(out.delay ? { delay: true } : {}) };
  }

  private context(session: Session | undefined, framing: '1.5' | '2.0'): CommandContext {
    return {
      driver: this.opts.driver,
      nodeId: this.opts.nodeId,
      credentials: this.opts.credentials,
      state: this.state,
      sessions: this.sessions,
      session,
      framing,
      ipmi15: this.opts.ipmi15,
      kgSet: this.opts.kg !== undefined,
      port: this.boundPort,
      address: this.opts.bind,
      telemetry: this.opts.telemetry,
      sol: { activate: (s) => this.startSol(s), deactivate: (s) => this.endSol(s) },
      logger: this.opts.logger,
      powerAnswerMs: this.opts.powerAnswerMs,
      bootValid: this.bootValid,
    };
  }

  /** The encoded answer; its `ipmi` event is published after the send when a bus is there. */
  private answer(req: IpmiRequest, result: CommandResult, session: 'none' | '1.5' | '2.0', s?: Session): Buffer {
    if (this.opts.events) {
      const user = s?.userName.toString('latin1');
      this.answeredEvents.push({
        kind: 'ipmi',
        node: this.opts.nodeId,
        netFn: req.netFn,
        cmd: req.cmd,
        cc: result.cc,
        session,
        ...(user ? { user } : {}),
      });
    }
    return encodeResponse(req, result.cc, result.data);
  }

  private async sessionless(req: IpmiRequest, framing: '1.5' | '2.0'): Promise<CommandResult> {
    if (!SESSIONLESS.has((req.netFn << 8) | req.cmd)) return { cc: CC.insufficientPrivilege };
    return dispatch(this.context(undefined, framing), req);
  }

  // ---- IPMI 1.5 ---------------------------------------------------------------------------------

  private async lan15(body: Buffer, peer: Peer): Promise<{ bytes: Buffer; delay?: boolean } | undefined> {
    const f = decodeSession15(body);
    if (f.sessionId === 0) {
      if (f.authType !== AUTH_NONE) return undefined;
      const req = decodeRequest(f.payload);
      const result =
        req.netFn === NETFN.app && req.cmd === 0x39
          ? this.sessionChallenge(req, peer)
          : await this.sessionless(req, '1.5');
      const payload = this.answer(req, result, 'none');
      return {
        bytes: encodeSession15({ authType: AUTH_NONE, sequence: 0, sessionId: 0, payload }),
        delay: result.cc === 0x81 || result.cc === 0x82,
      };
    }
    if (!this.opts.ipmi15) return undefined;
    const s = this.sessions.get(f.sessionId);
    if (s?.version !== '1.5' || f.authType !== AUTH_MD5 || !f.authCode) return undefined;
    const password = this.opts.credentials.password;
    if (!sameBytes(f.authCode, md5AuthCode(password, s.bmcSessionId, f.payload, f.sequence))) return undefined;
    const req = decodeRequest(f.payload);
    let result: CommandResult;
    let replySeq: number;
    const ctx = this.context(s, '1.5');
    if (s.state === 'challenge') {
      if (req.netFn !== NETFN.app || req.cmd !== 0x3a) return undefined;
      result = this.activateSession(s, req);
      // The answer already carries the console's Initial Outbound Sequence Number (freeipmi checks
      // every later answer against it and drops one that does not count up from there).
      replySeq = result.cc === 0 ? s.outboundSequence : 0;
      if (result.cc === 0) s.outboundSequence = (s.outboundSequence + 1) >>> 0 || 1;
    } else {
      if (s.state !== 'active' || !s.inbound.accept(f.sequence)) return undefined;
      s.lastActivity = Date.now();
      result = await dispatch(ctx, req);
      replySeq = s.outboundSequence;
      s.outboundSequence = (s.outboundSequence + 1) >>> 0 || 1;
    }
    const payload = this.answer(req, result, '1.5', s);
    const authCode = md5AuthCode(password, s.bmcSessionId, payload, replySeq);
    if (ctx.closeSessionAfterReply !== undefined) this.closeSession(ctx.closeSessionAfterReply);
    return {
      bytes: encodeSession15({ authType: AUTH_MD5, sequence: replySeq, sessionId: s.bmcSessionId, authCode, payload }),
    };
  }

  private sessionChallenge(req: IpmiRequest, peer: Peer): CommandResult {
    if (!this.opts.ipmi15) return { cc: CC.invalidCommand };
    if (req.data.length < 17) return { cc: CC.requestLength };
    if ((req.data[0]! & 0x0f) !== AUTH_MD5) return { cc: CC.invalidData };
    const name = req.data.subarray(1, 17);
    const end = name.indexOf(0);
    const user = name.subarray(0, end < 0 ? 16 : end).toString('latin1');
    if (user.length === 0) return { cc: 0x82 };
    if (user !== this.opts.credentials.user) return { cc: 0x81 };
    const s = this.sessions.create({
      version: '1.5',
      state: 'challenge',
      peer,
      consoleSessionId: 0,
      maxPrivilege: PRIV.admin,
    });
    if (!s) return { cc: CC.nodeBusy };
    s.challenge = randomBytes(16);
    s.userId = USER_ID;
    s.userName = Buffer.from(user, 'latin1');
    const out = Buffer.alloc(20);
    out.writeUInt32LE(s.bmcSessionId, 0);
    s.challenge.copy(out, 4);
    return { cc: 0, data: out };
  }

  private activateSession(s: Session, req: IpmiRequest): CommandResult {
    const d = req.data;
    if (d.length < 22) return { cc: CC.requestLength };
    if ((d[0]! & 0x0f) !== AUTH_MD5) return { cc: CC.invalidData };
    if (!s.challenge || !sameBytes(d.subarray(2, 18), s.challenge)) return { cc: 0x85 };
    const priv = d[1]! & 0x0f;
    if (priv < PRIV.callback || priv > PRIV.admin) return { cc: 0x86 };
    const inbound = randomBytes(4).readUInt32LE(0) & 0x7fffffff || 1;
    s.state = 'active';
    s.maxPrivilege = priv;
    s.privilege = Math.min(PRIV.user, priv);
    s.outboundSequence = d.readUInt32LE(18) || 1;
    s.inbound = SequenceWindow.startingAt(inbound);
    s.lastActivity = Date.now();
    delete s.challenge;
    const out = Buffer.alloc(10);
    out[0] = AUTH_MD5;
    out.writeUInt32LE(s.bmcSessionId, 1);
    out.writeUInt32LE(inbound, 5);
    out[9] = priv;
    return { cc: 0, data: out };
  }

  // ---- RMCP+ ------------------------------------------------------------------------------------

  private async rmcpPlus(body: Buffer, peer: Peer): Promise<{ bytes: Buffer; delay?: boolean } | undefined> {
    const f = decodeRmcpPlus(body, (sid) => {
      const s = this.sessions.get(sid);
      return s?.state === 'active' && s.suite ? s.suite.icvLength : 0;
    });
    if (f.sessionId === 0) {
      if (f.authenticated || f.encrypted) return undefined;
      const deps = { sessions: this.sessions, credentials: this.opts.credentials, kg: this.opts.kg, guid: this.guid };
      const handshake = (type: number, r: HandshakeReply | undefined) =>
        r && {
          bytes: encodeRmcpPlus({ payloadType: type, sessionId: 0, sequence: 0, payload: r.payload }),
          delay: r.failed,
        };
      switch (f.payloadType) {
        case PAYLOAD.openSessionRequest:
          return handshake(PAYLOAD.openSessionResponse, openSession(deps, f.payload, peer));
        case PAYLOAD.rakp1:
          return handshake(PAYLOAD.rakp2, rakp1(deps, f.payload));
        case PAYLOAD.rakp3:
          return handshake(PAYLOAD.rakp4, rakp3(deps, f.payload));
        case PAYLOAD.ipmi: {
          const req = decodeRequest(f.payload);
          const result = await this.sessionless(req, '2.0');
          const payload = this.answer(req, result, 'none');
          return { bytes: encodeRmcpPlus({ payloadType: PAYLOAD.ipmi, sessionId: 0, sequence: 0, payload }) };
        }
        default:
          return undefined;
      }
    }
    const s = this.sessions.get(f.sessionId);
    if (s?.version !== '2.0' || s.state !== 'active' || !s.suite || !s.keys) return undefined;
    if (!f.authenticated || !f.authCode || !f.signed || !f.encrypted) return undefined;
    if (!verifyIntegrity(s.suite, s.keys, f.signed, f.authCode)) return undefined;
    if (!s.inbound.accept(f.sequence)) return undefined;
    const plain = decryptPayload(s.keys, f.payload);
    s.lastActivity = Date.now();
    if (f.payloadType === PAYLOAD.sol) {
      this.sol.get(s.bmcSessionId)?.receive(plain);
      return undefined;
    }
    if (f.payloadType !== PAYLOAD.ipmi) return undefined;
    const req = decodeRequest(plain);
    const ctx = this.context(s, '2.0');
    const result = await dispatch(ctx, req);
    const bytes = this.sealed(s, PAYLOAD.ipmi, this.answer(req, result, '2.0', s));
    if (ctx.closeSessionAfterReply !== undefined) this.closeSession(ctx.closeSessionAfterReply);
    return { bytes };
  }

  /** An RMCP+ packet of session `s`: encrypted, signed, with the BMC's next outbound sequence number. */
  private sealed(s: Session, payloadType: number, plain: Buffer): Buffer {
    const suite = s.suite!;
    const keys = s.keys!;
    const sequence = s.outboundSequence;
    s.outboundSequence = (s.outboundSequence + 1) >>> 0 || 1;
    return encodeRmcpPlus({
      payloadType,
      sessionId: s.consoleSessionId,
      sequence,
      encrypted: true,
      payload: encryptPayload(keys, plain),
      sign: (signed) => integrityCode(suite, keys, signed),
    });
  }

  private closeSession(id: number): void {
    const s = this.sessions.close(id);
    if (s) this.endSol(s);
  }

  // ---- SOL --------------------------------------------------------------------------------------

  private async startSol(s: Session): Promise<void> {
    const console = await this.opts.driver.openConsole!(this.opts.nodeId);
    const peer = s.peer;
    const relay = new SolRelay(
      console,
      (payload) => {
        if (this.sessions.get(s.bmcSessionId) !== s) return;
        this.send(encodeRmcp(RMCP_CLASS_IPMI, this.sealed(s, PAYLOAD.sol, payload)), peer);
      },
      () => this.endSol(s),
    );
    s.solActive = true;
    this.sol.set(s.bmcSessionId, relay);
  }

  private endSol(s: Session): void {
    s.solActive = false;
    const relay = this.sol.get(s.bmcSessionId);
    if (!relay) return;
    this.sol.delete(s.bmcSessionId);
    relay.close();
  }
}
