import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CipherSuite } from './cipher-suites.js';
import { IpmiDecodeError, need } from './errors.js';
import { AUTH_RMCP_PLUS } from './session15.js';

export const PAYLOAD = {
  ipmi: 0x00,
  sol: 0x01,
  oemExplicit: 0x02,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

/** An RMCP+ (IPMI 2.0) session packet as it is on the wire: payload still encrypted, trailer split off. */
export interface RmcpPlusFrame {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  payload: Buffer;
  /** The AuthCode (present when authenticated). */
  authCode?: Buffer;
  /** Bytes covered by the AuthCode: auth type through next header. */
  signed?: Buffer;
}

const HEADER = 12;

/** Decode the RMCP+ framing; `icvLength` is the session's AuthCode size (0 outside a session). */
export function decodeRmcpPlus(body: Buffer, icvLength: (sessionId: number) => number): RmcpPlusFrame {
  need(body, HEADER, 'RMCP+ header');
  if ((body[0]! & 0x0f) !== AUTH_RMCP_PLUS) throw new IpmiDecodeError('not an RMCP+ packet');
  const pt = body[1]!;
  const payloadType = pt & 0x3f;
  if (payloadType === PAYLOAD.oemExplicit) throw new IpmiDecodeError('OEM explicit payloads are not supported');
  const sessionId = body.readUInt32LE(2);
  const sequence = body.readUInt32LE(6);
  const len = body.readUInt16LE(10);
  need(body, HEADER + len, 'RMCP+ payload');
  const frame: RmcpPlusFrame = {
    payloadType,
    encrypted: (pt & 0x80) !== 0,
    authenticated: (pt & 0x40) !== 0,
    sessionId,
    sequence,
    payload: Buffer.from(body.subarray(HEADER, HEADER + len)),
  };
  if (!frame.authenticated) return frame;
  const icv = icvLength(sessionId);
  if (icv <= 0) throw new IpmiDecodeError('authenticated packet outside an integrity-protected session');
  const trailerEnd = body.length - icv;
  // pad (0-3 x 0xff), pad length, next header (0x07), AuthCode
  if (trailerEnd < HEADER + len + 2) throw new IpmiDecodeError('RMCP+ trailer truncated');
  const padLen = body[trailerEnd - 2]!;
  if (body[trailerEnd - 1] !== 0x07) throw new IpmiDecodeError('RMCP+ next header is not 0x07');
  if (HEADER + len + padLen + 2 !== trailerEnd) throw new IpmiDecodeError('RMCP+ integrity pad length mismatch');
  frame.authCode = Buffer.from(body.subarray(trailerEnd));
  frame.signed = Buffer.from(body.subarray(0, trailerEnd));
  return frame;
}

export interface EncodeRmcpPlus {
  payloadType: number;
  sessionId: number;
  sequence: number;
  /** Already encrypted when `encrypted` is set. */
  payload: Buffer;
  encrypted?: boolean;
  /** When given, the packet carries the integrity trailer signed by this function. */
  sign?: (signed: Buffer) => Buffer;
}

export function encodeRmcpPlus(p: EncodeRmcpPlus): Buffer {
  const head = Buffer.alloc(HEADER);
  head[0] = AUTH_RMCP_PLUS;
  head[1] = (p.encrypted ? 0x80 : 0) | (p.sign ? 0x40 : 0) | (p.payloadType & 0x3f);
  head.writeUInt32LE(p.sessionId >>> 0, 2);
  head.writeUInt32LE(p.sequence >>> 0, 6);
  head.writeUInt16LE(p.payload.length, 10);
  if (!p.sign) return Buffer.concat([head, p.payload]);
  const padLen = (4 - ((HEADER + p.payload.length + 2) % 4)) % 4;
  const signed = Buffer.concat([head, p.payload, Buffer.alloc(padLen, 0xff), Buffer.from([padLen, 0x07])]);
  return Buffer.concat([signed, p.sign(signed)]);
}

/** Session keys derived after RAKP (IPMI 2.0 13.31/13.32). */
export interface SessionKeys {
  sik: Buffer;
  k1: Buffer;
  k2: Buffer;
}

export function hmac(hash: 'sha1' | 'sha256' | 'md5', key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function deriveKeys(suite: CipherSuite, sik: Buffer): SessionKeys {
  return {
    sik,
    k1: hmac(suite.hash, sik, Buffer.alloc(20, 0x01)),
    k2: hmac(suite.hash, sik, Buffer.alloc(20, 0x02)),
  };
}

export function integrityCode(suite: CipherSuite, keys: SessionKeys, signed: Buffer): Buffer {
  return hmac(suite.hash, keys.k1, signed).subarray(0, suite.icvLength);
}

export function verifyIntegrity(suite: CipherSuite, keys: SessionKeys, signed: Buffer, authCode: Buffer): boolean {
  const want = integrityCode(suite, keys, signed);
  return authCode.length === want.length && timingSafeEqual(authCode, want);
}

/** AES-CBC-128 as IPMI does it: IV | E(data | 01 02 .. n | n), key = K2[0:16]. */
export function encryptPayload(keys: SessionKeys, data: Buffer, iv: Buffer = randomBytes(16)): Buffer {
  const padLen = (16 - ((data.length + 1) % 16)) % 16;
  const pad = Buffer.from(Array.from({ length: padLen }, (_, i) => i + 1));
  const c = createCipheriv('aes-128-cbc', keys.k2.subarray(0, 16), iv).setAutoPadding(false);
  return Buffer.concat([iv, c.update(Buffer.concat([data, pad, Buffer.from([padLen])])), c.final()]);
}

export function decryptPayload(keys: SessionKeys, payload: Buffer): Buffer {
  if (payload.length < 32 || payload.length % 16 !== 0) throw new IpmiDecodeError('AES payload is not IV + n*16 bytes');
  const d = createDecipheriv('aes-128-cbc', keys.k2.subarray(0, 16), payload.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(payload.subarray(16)), d.final()]);
  const padLen = plain[plain.length - 1]!;
  if (padLen > 15 || padLen + 1 > plain.length) throw new IpmiDecodeError('AES confidentiality pad length invalid');
  return plain.subarray(0, plain.length - 1 - padLen);
}
