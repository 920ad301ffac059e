/**
 * TFTP packets (RFC 1350, OACK from RFC 2347): bytes in, typed values out and back. No sockets, no timers.
 * Strings are carried as latin1 so every byte of a filename survives decoding unchanged.
 */
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** RFC 1350 + RFC 2347 error codes. */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTid: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionRefused: 8,
} as const;
export type TftpErrorCode = (typeof TftpErrorCode)[keyof typeof TftpErrorCode];

export type TransferMode = 'octet' | 'netascii' | 'mail';
const MODES: readonly string[] = ['octet', 'netascii', 'mail'];

/** Option names are lower-cased on decode (RFC 2347: case-insensitive); values are kept as sent. */
export type TftpOptions = Record<string, string>;

export interface RequestPacket {
  op: 'RRQ' | 'WRQ';
  filename: string;
  mode: TransferMode;
  options: TftpOptions;
}
export interface DataPacket {
  op: 'DATA';
  block: number;
  data: Buffer;
}
export interface AckPacket {
  op: 'ACK';
  block: number;
}
export interface ErrorPacket {
  op: 'ERROR';
  code: number;
  message: string;
}
export interface OackPacket {
  op: 'OACK';
  options: TftpOptions;
}
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

/** The largest DATA payload any TFTP packet may carry (RFC 2348). */
export const MAX_BLKSIZE = 65464;

/** Thrown for bytes that are not a TFTP packet; `tftpCode` is the ERROR code a server answers with. */
export class TftpDecodeError extends BmcEmuError {
  readonly tftpCode: TftpErrorCode;
  constructor(message: string, tftpCode: TftpErrorCode = TftpErrorCode.IllegalOperation) {
    super(ErrorCode.InvalidArgument, message, { tftpCode });
    this.name = 'TftpDecodeError';
    this.tftpCode = tftpCode;
  }
}

/** Split NUL-terminated latin1 strings; a missing final NUL is tolerated (some clients omit it). */
function splitStrings(buf: Buffer, from: number): string[] {
  const out: string[] = [];
  let start = from;
  while (start < buf.length) {
    let end = buf.indexOf(0, start);
    if (end === -1) end = buf.length;
    out.push(buf.toString('latin1', start, end));
    start = end + 1;
  }
  return out;
}

function decodeOptions(fields: string[]): TftpOptions {
  const options: TftpOptions = {};
  // a dangling name without a value is ignored (RFC 2347 gives it no meaning)
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toLowerCase();
    if (name === '' || Object.hasOwn(options, name)) continue;
    // defineProperty: a client-sent "__proto__" must stay a plain key, never touch the prototype
    Object.defineProperty(options, name, {
      value: fields[i + 1]!,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return options;
}

function decodeRequest(op: 'RRQ' | 'WRQ', buf: Buffer): RequestPacket {
  const fields = splitStrings(buf, 2);
  // The filename runs up to the first field that names a mode: a NUL inside the filename stays in it
  // (and is refused later as an access violation) instead of being mistaken for the mode.
  const modeAt = fields.findIndex((f, i) => i > 0 && MODES.includes(f.toLowerCase()));
  if (modeAt < 1) throw new TftpDecodeError(`${op} without a valid transfer mode`);
  const filename = fields.slice(0, modeAt).join('\0');
  if (filename === '') throw new TftpDecodeError(`${op} with an empty filename`);
  const mode = fields[modeAt]!.toLowerCase() as TransferMode;
  return { op, filename, mode, options: decodeOptions(fields.slice(modeAt + 1)) };
}

export function decodePacket(buf: Buffer): TftpPacket {
  if (buf.length < 2) throw new TftpDecodeError(`packet of ${buf.length} bytes is too short`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case Opcode.RRQ:
      return decodeRequest('RRQ', buf);
    case Opcode.WRQ:
      return decodeRequest('WRQ', buf);
    case Opcode.DATA:
      if (buf.length < 4) throw new TftpDecodeError('DATA without a block number');
      if (buf.length - 4 > MAX_BLKSIZE) throw new TftpDecodeError(`DATA larger than ${MAX_BLKSIZE} bytes`);
      return { op: 'DATA', block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case Opcode.ACK:
      if (buf.length < 4) throw new TftpDecodeError('ACK without a block number');
      return { op: 'ACK', block: buf.readUInt16BE(2) };
    case Opcode.ERROR: {
      if (buf.length < 4) throw new TftpDecodeError('ERROR without an error code');
      const end = buf.indexOf(0, 4);
      const message = buf.toString('latin1', 4, end === -1 ? buf.length : end);
      return { op: 'ERROR', code: buf.readUInt16BE(2), message };
    }
    case Opcode.OACK:
      return { op: 'OACK', options: decodeOptions(splitStrings(buf, 2)) };
    default:
      throw new TftpDecodeError(`unknown opcode ${op}`);
  }
}

function strings(op: number, parts: string[]): Buffer {
  const len = 2 + parts.reduce((n, p) => n + Buffer.byteLength(p, 'latin1') + 1, 0);
  const buf = Buffer.alloc(len);
  buf.writeUInt16BE(op, 0);
  let at = 2;
  for (const p of parts) {
    at += buf.write(p, at, 'latin1');
    buf[at++] = 0;
  }
  return buf;
}

function optionFields(options: TftpOptions): string[] {
  return Object.entries(options).flat();
}

/** The 4-byte DATA header alone, so a sender can pass [header, payload] to send() without copying. */
export function encodeDataHeader(block: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt16BE(Opcode.DATA, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

export function encodePacket(p: TftpPacket): Buffer {
  switch (p.op) {
    case 'RRQ':
    case 'WRQ':
      return strings(Opcode[p.op], [p.filename, p.mode, ...optionFields(p.options)]);
    case 'DATA':
      return Buffer.concat([encodeDataHeader(p.block), p.data]);
    case 'ACK': {
      const buf = Buffer.alloc(4);
      buf.writeUInt16BE(Opcode.ACK, 0);
      buf.writeUInt16BE(p.block & 0xffff, 2);
      return buf;
    }
    case 'ERROR': {
      const msgLen = Buffer.byteLength(p.message, 'latin1');
      const buf = Buffer.alloc(5 + msgLen);
      buf.writeUInt16BE(Opcode.ERROR, 0);
      buf.writeUInt16BE(p.code & 0xffff, 2);
      buf.write(p.message, 4, 'latin1');
      return buf;
    }
    case 'OACK':
      return strings(Opcode.OACK, optionFields(p.options));
  }
}
