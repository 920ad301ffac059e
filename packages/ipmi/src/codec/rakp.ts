import { timingSafeEqual } from 'node:crypto';
import type { CipherSuite } from './cipher-suites.js';
import { IpmiDecodeError, need } from './errors.js';
import { hmac } from './rmcp-plus.js';

/** RMCP+ status codes (IPMI 2.0 table 13-15). */
export const RMCP_STATUS = {
  ok: 0x00,
  insufficientResources: 0x01,
  invalidSessionId: 0x02,
  invalidPayloadType: 0x03,
  invalidAuthAlg: 0x04,
  invalidIntegrityAlg: 0x05,
  noMatchingAuthPayload: 0x06,
  noMatchingIntegrityPayload: 0x07,
  inactiveSessionId: 0x08,
  invalidRole: 0x09,
  unauthorizedRole: 0x0a,
  insufficientResourcesForRole: 0x0b,
  invalidNameLength: 0x0c,
  unauthorizedName: 0x0d,
  unauthorizedGuid: 0x0e,
  invalidIntegrityCheck: 0x0f,
  invalidConfidentialityAlg: 0x10,
  noCipherSuiteMatch: 0x11,
  illegalParameter: 0x12,
} as const;

export interface OpenSessionRequest {
  tag: number;
  maxPrivilege: number;
  consoleSessionId: number;
  auth: number;
  integrity: number;
  confidentiality: number;
}

function algorithm(buf: Buffer, off: number, type: number): number {
  if (buf[off] !== type) throw new IpmiDecodeError(`Open Session: payload ${off} is not of type ${type}`);
  // a payload length of 0 means "any": we read it as the null algorithm, which no suite of ours matches
  return buf[off + 3] === 0 ? 0 : buf[off + 4]! & 0x3f;
}

export function decodeOpenSessionRequest(buf: Buffer): OpenSessionRequest {
  need(buf, 32, 'Open Session Request');
  return {
    tag: buf[0]!,
    maxPrivilege: buf[1]! & 0x0f,
    consoleSessionId: buf.readUInt32LE(4),
    auth: algorithm(buf, 8, 0),
    integrity: algorithm(buf, 16, 1),
    confidentiality: algorithm(buf, 24, 2),
  };
}

function algPayload(type: number, alg: number): Buffer {
  return Buffer.from([type, 0, 0, 8, alg, 0, 0, 0]);
}

export function encodeOpenSessionRequest(r: OpenSessionRequest): Buffer {
  const head = Buffer.alloc(8);
  head[0] = r.tag;
  head[1] = r.maxPrivilege;
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  return Buffer.concat([head, algPayload(0, r.auth), algPayload(1, r.integrity), algPayload(2, r.confidentiality)]);
}

export interface OpenSessionResponse {
  tag: number;
  status: number;
  maxPrivilege: number;
  consoleSessionId: number;
  bmcSessionId: number;
  suite?: CipherSuite;
}

/** On error, only tag, status and console session id are sent (spec: 8 bytes). */
export function encodeOpenSessionResponse(r: OpenSessionResponse): Buffer {
  const head = Buffer.alloc(r.status === 0 && r.suite ? 12 : 8);
  head[0] = r.tag;
  head[1] = r.status;
  head[2] = r.maxPrivilege;
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  if (!(r.status === 0 && r.suite)) return head;
  head.writeUInt32LE(r.bmcSessionId >>> 0, 8);
  const s = r.suite;
  return Buffer.concat([head, algPayload(0, s.auth), algPayload(1, s.integrity), algPayload(2, s.confidentiality)]);
}

export function decodeOpenSessionResponse(buf: Buffer): OpenSessionResponse & { algorithms?: number[] } {
  need(buf, 8, 'Open Session Response');
  const base = {
    tag: buf[0]!,
    status: buf[1]!,
    maxPrivilege: buf[2]!,
    consoleSessionId: buf.readUInt32LE(4),
    bmcSessionId: 0,
  };
  if (buf[1] !== 0) return base;
  need(buf, 36, 'Open Session Response');
  return { ...base, bmcSessionId: buf.readUInt32LE(8), algorithms: [buf[16]!, buf[24]!, buf[32]!] };
}

export interface Rakp1 {
  tag: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  /** The whole role byte (privilege in bits 3:0, name-only lookup in bit 4) as it enters the HMACs. */
  role: number;
  userName: Buffer;
}

export function decodeRakp1(buf: Buffer): Rakp1 {
  need(buf, 28, 'RAKP1');
  const len = buf[27]!;
  if (len > 16) throw new IpmiDecodeError('RAKP1 user name longer than 16');
  need(buf, 28 + len, 'RAKP1 user name');
  return {
    tag: buf[0]!,
    bmcSessionId: buf.readUInt32LE(4),
    consoleRandom: Buffer.from(buf.subarray(8, 24)),
    role: buf[24]!,
    userName: Buffer.from(buf.subarray(28, 28 + len)),
  };
}

export function encodeRakp1(r: Rakp1): Buffer {
  const out = Buffer.alloc(28 + r.userName.length);
  out[0] = r.tag;
  out.writeUInt32LE(r.bmcSessionId >>> 0, 4);
  r.consoleRandom.copy(out, 8);
  out[24] = r.role;
  out[27] = r.userName.length;
  r.userName.copy(out, 28);
  return out;
}

export interface Rakp2 {
  tag: number;
  status: number;
  consoleSessionId: number;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  authCode: Buffer;
}

export function encodeRakp2(r: Rakp2): Buffer {
  const head = Buffer.alloc(8);
  head[0] = r.tag;
  head[1] = r.status;
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  if (r.status !== 0) return head;
  return Buffer.concat([head, r.bmcRandom, r.bmcGuid, r.authCode]);
}

export function decodeRakp2(buf: Buffer, authLength: number): Rakp2 {
  need(buf, 8, 'RAKP2');
  const base = { tag: buf[0]!, status: buf[1]!, consoleSessionId: buf.readUInt32LE(4) };
  if (base.status !== 0)
    return { ...base, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0) };
  need(buf, 40 + authLength, 'RAKP2');
  return {
    ...base,
    bmcRandom: Buffer.from(buf.subarray(8, 24)),
    bmcGuid: Buffer.from(buf.subarray(24, 40)),
    authCode: Buffer.from(buf.subarray(40, 40 + authLength)),
  };
}

export interface Rakp3 {
  tag: number;
  status: number;
  bmcSessionId: number;
  authCode: Buffer;
}

export function decodeRakp3(buf: Buffer): Rakp3 {
  need(buf, 8, 'RAKP3');
  return { tag: buf[0]!, status: buf[1]!, bmcSessionId: buf.readUInt32LE(4), authCode: Buffer.from(buf.subarray(8)) };
}

export function encodeRakp3(r: Rakp3): Buffer {
  const head = Buffer.alloc(8);
  head[0] = r.tag;
  head[1] = r.status;
  head.writeUInt32LE(r.bmcSessionId >>> 0, 4);
  return Buffer.concat([head, r.authCode]);
}

export interface Rakp4 {
  tag: number;
  status: number;
  consoleSessionId: number;
  icv: Buffer;
}

export function encodeRakp4(r: Rakp4): Buffer {
  const head = Buffer.alloc(8);
  head[0] = r.tag;
  head[1] = r.status;
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  return r.status === 0 ? Buffer.concat([head, r.icv]) : head;
}

export function decodeRakp4(buf: Buffer): Rakp4 {
  need(buf, 8, 'RAKP4');
  return { tag: buf[0]!, status: buf[1]!, consoleSessionId: buf.readUInt32LE(4), icv: Buffer.from(buf.subarray(8)) };
}

/** Everything both sides know after RAKP1/2, fed into the HMACs below. */
export interface RakpContext {
  suite: CipherSuite;
  consoleSessionId: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  role: number;
  userName: Buffer;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function nameBytes(c: RakpContext): Buffer[] {
  return [Buffer.from([c.role, c.userName.length]), c.userName];
}

/** RAKP2 auth code = HMAC_Kuid(SIDm | SIDc | Rm | Rc | GUIDc | ROLEm | ULENm | UNAMEm). */
export function rakp2AuthCode(c: RakpContext, kuid: Buffer): Buffer {
  return hmac(
    c.suite.hash,
    kuid,
    u32(c.consoleSessionId),
    u32(c.bmcSessionId),
    c.consoleRandom,
    c.bmcRandom,
    c.bmcGuid,
    ...nameBytes(c),
  );
}

/** RAKP3 auth code = HMAC_Kuid(Rc | SIDm | ROLEm | ULENm | UNAMEm). */
export function rakp3AuthCode(c: RakpContext, kuid: Buffer): Buffer {
  return hmac(c.suite.hash, kuid, c.bmcRandom, u32(c.consoleSessionId), ...nameBytes(c));
}

/** SIK = HMAC_Kg(Rm | Rc | ROLEm | ULENm | UNAMEm); Kg is Kuid when no BMC key is set. */
export function sessionIntegrityKey(c: RakpContext, kg: Buffer): Buffer {
  return hmac(c.suite.hash, kg, c.consoleRandom, c.bmcRandom, ...nameBytes(c));
}

/** RAKP4 ICV = HMAC_SIK(Rm | SIDc | GUIDc), truncated to the suite's ICV length. */
export function rakp4Icv(c: RakpContext, sik: Buffer): Buffer {
  return hmac(c.suite.hash, sik, c.consoleRandom, u32(c.bmcSessionId), c.bmcGuid).subarray(0, c.suite.icvLength);
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A user key as RAKP uses it: the password NUL-padded to 20 bytes. */
export function userKey(password: string | Buffer): Buffer {
  const out = Buffer.alloc(20);
  Buffer.from(password).copy(out, 0, 0, 20);
  return out;
}
