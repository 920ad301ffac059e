/**
 * A minimal RMCP+ console built from our own codecs, for what real clients cannot be made to do:
 * replays, out-of-window sequence numbers, forged ICVs, handshakes that stop half way.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  type CipherSuite,
  decodeOpenSessionResponse,
  decodeRakp2,
  decodeRakp4,
  decodeResponse,
  decodeRmcp,
  decodeRmcpPlus,
  decryptPayload,
  deriveKeys,
  encodeOpenSessionRequest,
  encodeRakp1,
  encodeRakp3,
  encodeRequest,
  encodeRmcp,
  encodeRmcpPlus,
  encryptPayload,
  type IpmiResponse,
  integrityCode,
  PAYLOAD,
  type RakpContext,
  RMCP_CLASS_IPMI,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  type SessionKeys,
  SUITE_17,
  sessionIntegrityKey,
  userKey,
} from './internals.js';

export class RawUdp {
  readonly socket: Socket;
  private waiting: ((b: Buffer) => void) | undefined;
  private readonly inbox: Buffer[] = [];

  constructor(
    readonly port: number,
    readonly host = '127.0.0.1',
  ) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (m) => {
      const w = this.waiting;
      if (w) {
        this.waiting = undefined;
        w(m);
      } else this.inbox.push(m);
    });
  }

  send(b: Buffer): void {
    this.socket.send(b, this.port, this.host);
  }

  /** The next datagram, or undefined after `ms`. */
  recv(ms = 1000): Promise<Buffer | undefined> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, ms);
      this.waiting = (b) => {
        clearTimeout(t);
        resolve(b);
      };
    });
  }

  async request(b: Buffer, ms = 1000): Promise<Buffer | undefined> {
    this.inbox.length = 0;
    this.send(b);
    return this.recv(ms);
  }

  close(): void {
    this.socket.close();
  }
}

export function sessionless(payloadType: number, payload: Buffer): Buffer {
  return encodeRmcp(RMCP_CLASS_IPMI, encodeRmcpPlus({ payloadType, sessionId: 0, sequence: 0, payload }));
}

export function plusBody(datagram: Buffer) {
  return decodeRmcpPlus(decodeRmcp(datagram).body, () => 0);
}

export interface OpenOptions {
  user?: string;
  password?: string;
  suite?: CipherSuite;
  role?: number;
  kg?: Buffer;
}

export interface RawSession {
  udp: RawUdp;
  suite: CipherSuite;
  keys: SessionKeys;
  bmcSessionId: number;
  consoleSessionId: number;
  seq: number;
  rqSeq: number;
}

export type HandshakeResult =
  | { ok: true; session: RawSession }
  | { ok: false; stage: 'open' | 'rakp2' | 'rakp2-hmac' | 'rakp4' | 'timeout'; status?: number };

/** Open Session + RAKP 1-4 + Set Session Privilege (admin). */
export async function openRawSession(udp: RawUdp, o: OpenOptions = {}): Promise<HandshakeResult> {
  const suite = o.suite ?? SUITE_17;
  const user = Buffer.from(o.user ?? 'admin');
  const consoleSessionId = randomBytes(4).readUInt32LE(0) | 1;
  const open = await udp.request(
    sessionless(
      PAYLOAD.openSessionRequest,
      encodeOpenSessionRequest({
        tag: 1,
        maxPrivilege: 4,
        consoleSessionId,
        auth: suite.auth,
        integrity: suite.integrity,
        confidentiality: suite.confidentiality,
      }),
    ),
  );
  if (!open) return { ok: false, stage: 'timeout' };
  const osr = decodeOpenSessionResponse(plusBody(open).payload);
  if (osr.status !== 0) return { ok: false, stage: 'open', status: osr.status };
  const role = o.role ?? 0x14;
  const consoleRandom = randomBytes(16);
  const r2raw = await udp.request(
    sessionless(
      PAYLOAD.rakp1,
      encodeRakp1({ tag: 2, bmcSessionId: osr.bmcSessionId, consoleRandom, role, userName: user }),
    ),
  );
  if (!r2raw) return { ok: false, stage: 'timeout' };
  const hashLen = suite.hash === 'sha1' ? 20 : 32;
  const r2 = decodeRakp2(plusBody(r2raw).payload, hashLen);
  if (r2.status !== 0) return { ok: false, stage: 'rakp2', status: r2.status };
  const ctx: RakpContext = {
    suite,
    consoleSessionId,
    bmcSessionId: osr.bmcSessionId,
    consoleRandom,
    bmcRandom: r2.bmcRandom,
    bmcGuid: r2.bmcGuid,
    role,
    userName: user,
  };
  const kuid = userKey(o.password ?? 'password');
  const hmacOk = rakp2AuthCode(ctx, kuid).equals(r2.authCode);
  const r4raw = await udp.request(
    sessionless(
      PAYLOAD.rakp3,
      encodeRakp3({ tag: 3, status: 0, bmcSessionId: osr.bmcSessionId, authCode: rakp3AuthCode(ctx, kuid) }),
    ),
  );
  if (!r4raw) return { ok: false, stage: 'timeout' };
  const r4 = decodeRakp4(plusBody(r4raw).payload);
  if (r4.status !== 0) return { ok: false, stage: 'rakp4', status: r4.status };
  if (!hmacOk) return { ok: false, stage: 'rakp2-hmac' };
  const sik = sessionIntegrityKey(ctx, o.kg ?? kuid);
  if (!rakp4Icv(ctx, sik).equals(r4.icv)) return { ok: false, stage: 'rakp4' };
  const session: RawSession = {
    udp,
    suite,
    keys: deriveKeys(suite, sik),
    bmcSessionId: osr.bmcSessionId,
    consoleSessionId,
    seq: 1,
    rqSeq: 1,
  };
  const priv = await command(session, 0x06, 0x3b, [4]);
  if (priv?.completionCode !== 0) return { ok: false, stage: 'rakp4' };
  return { ok: true, session };
}

/** A sealed (encrypted + signed) IPMI request of session `s`, with sequence number `seq`. */
export function sealedRequest(
  s: RawSession,
  netFn: number,
  cmd: number,
  data: number[] | Buffer,
  seq = s.seq++,
): Buffer {
  const msg = encodeRequest({
    rsAddr: 0x20,
    netFn,
    rsLun: 0,
    rqAddr: 0x81,
    rqSeq: s.rqSeq++ & 0x3f,
    rqLun: 0,
    cmd,
    data: Buffer.from(data),
  });
  return encodeRmcp(
    RMCP_CLASS_IPMI,
    encodeRmcpPlus({
      payloadType: PAYLOAD.ipmi,
      sessionId: s.bmcSessionId,
      sequence: seq,
      encrypted: true,
      payload: encryptPayload(s.keys, msg),
      sign: (signed) => integrityCode(s.suite, s.keys, signed),
    }),
  );
}

export function openResponse(s: RawSession, datagram: Buffer): IpmiResponse {
  const f = decodeRmcpPlus(decodeRmcp(datagram).body, () => s.suite.icvLength);
  return decodeResponse(decryptPayload(s.keys, f.payload));
}

export async function command(
  s: RawSession,
  netFn: number,
  cmd: number,
  data: number[] | Buffer = [],
  ms = 1000,
): Promise<IpmiResponse | undefined> {
  const reply = await s.udp.request(sealedRequest(s, netFn, cmd, data), ms);
  return reply && openResponse(s, reply);
}
