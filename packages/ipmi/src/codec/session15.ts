import { createHash } from 'node:crypto';
import { IpmiDecodeError, need } from './errors.js';

export const AUTH_NONE = 0x00;
export const AUTH_MD2 = 0x01;
export const AUTH_MD5 = 0x02;
export const AUTH_PASSWORD = 0x04;
export const AUTH_RMCP_PLUS = 0x06;

/** An IPMI 1.5 session wrapper (also used sessionless by IPMI 2.0 clients for 06/38 and 06/54). */
export interface Session15Frame {
  authType: number;
  sequence: number;
  sessionId: number;
  /** 16 bytes when authType is not NONE. */
  authCode?: Buffer;
  payload: Buffer;
}

export function decodeSession15(body: Buffer): Session15Frame {
  need(body, 10, 'IPMI 1.5 session header');
  const authType = body[0]! & 0x0f;
  if (authType === AUTH_RMCP_PLUS) throw new IpmiDecodeError('not an IPMI 1.5 session (auth type 6)');
  const sequence = body.readUInt32LE(1);
  const sessionId = body.readUInt32LE(5);
  let off = 9;
  let authCode: Buffer | undefined;
  if (authType !== AUTH_NONE) {
    need(body, off + 17, 'IPMI 1.5 auth code');
    authCode = Buffer.from(body.subarray(off, off + 16));
    off += 16;
  }
  const len = body[off]!;
  off += 1;
  need(body, off + len, 'IPMI 1.5 payload');
  return {
    authType,
    sequence,
    sessionId,
    ...(authCode ? { authCode } : {}),
    payload: Buffer.from(body.subarray(off, off + len)),
  };
}

export function encodeSession15(frame: Session15Frame): Buffer {
  if (frame.payload.length > 255) throw new IpmiDecodeError('IPMI 1.5 payload longer than 255 bytes');
  const head = Buffer.alloc(9);
  head[0] = frame.authType;
  head.writeUInt32LE(frame.sequence >>> 0, 1);
  head.writeUInt32LE(frame.sessionId >>> 0, 5);
  const parts: Buffer[] = [head];
  if (frame.authType !== AUTH_NONE) parts.push(frame.authCode ?? Buffer.alloc(16));
  parts.push(Buffer.from([frame.payload.length]), frame.payload);
  return Buffer.concat(parts);
}

/** A password as IPMI 1.5 uses it: NUL-padded to 16 bytes. */
export function password16(password: string | Buffer): Buffer {
  const out = Buffer.alloc(16);
  Buffer.from(password).copy(out, 0, 0, 16);
  return out;
}

/** MD5 auth code: MD5(password | session id | message | sequence | password). */
export function md5AuthCode(password: string | Buffer, sessionId: number, payload: Buffer, sequence: number): Buffer {
  const pw = password16(password);
  const sid = Buffer.alloc(4);
  sid.writeUInt32LE(sessionId >>> 0);
  const seq = Buffer.alloc(4);
  seq.writeUInt32LE(sequence >>> 0);
  return createHash('md5').update(pw).update(sid).update(payload).update(seq).update(pw).digest();
}
