/**
 * The one place where failures become TFTP ERROR packets (code + message).
 */
import { ErrorCode, type ErrorTable, isBmcEmuError } from '@bmc-emu/core';
import { TftpDecodeError, TftpErrorCode } from './codec/packet.js';

/** A refusal the server means to send as-is (path refused, file missing, writes disabled...). */
export class TftpRefusal extends Error {
  readonly tftpCode: TftpErrorCode;
  constructor(tftpCode: TftpErrorCode, message: string) {
    super(message);
    this.name = 'TftpRefusal';
    this.tftpCode = tftpCode;
  }
}

export const refuse = {
  access: (why: string) => new TftpRefusal(TftpErrorCode.AccessViolation, why),
  notFound: () => new TftpRefusal(TftpErrorCode.FileNotFound, 'File not found'),
  exists: () => new TftpRefusal(TftpErrorCode.FileExists, 'File already exists'),
  illegal: (why: string) => new TftpRefusal(TftpErrorCode.IllegalOperation, why),
  diskFull: (why: string) => new TftpRefusal(TftpErrorCode.DiskFull, why),
  busy: () => new TftpRefusal(TftpErrorCode.NotDefined, 'Server busy, try again later'),
};

export interface TftpErrorReply {
  code: TftpErrorCode;
  message: string;
}

/** How every ErrorCode answers over TFTP: the ERROR packet's code (RFC 1350); the message is the error's. */
export const TFTP_ERROR_CODES: ErrorTable<TftpErrorCode> = {
  [ErrorCode.NodeNotFound]: TftpErrorCode.FileNotFound,
  [ErrorCode.DriverUnavailable]: TftpErrorCode.NotDefined,
  [ErrorCode.Conflict]: TftpErrorCode.NotDefined,
  [ErrorCode.InvalidArgument]: TftpErrorCode.AccessViolation,
  [ErrorCode.Unsupported]: TftpErrorCode.AccessViolation,
  [ErrorCode.MediaError]: TftpErrorCode.NotDefined,
  [ErrorCode.Timeout]: TftpErrorCode.NotDefined,
  [ErrorCode.ConfigInvalid]: TftpErrorCode.NotDefined,
  [ErrorCode.Internal]: TftpErrorCode.NotDefined,
};

export function toTftpError(err: unknown): TftpErrorReply {
  if (err instanceof TftpRefusal || err instanceof TftpDecodeError) return { code: err.tftpCode, message: err.message };
  if (isBmcEmuError(err)) {
    const code = TFTP_ERROR_CODES[err.code] ?? TftpErrorCode.NotDefined;
    // a missing node reads as a missing file: the client asked for a per-node path
    return { code, message: code === TftpErrorCode.FileNotFound ? 'File not found' : err.message };
  }
  const sysCode = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (sysCode) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EISDIR':
      return { code: TftpErrorCode.FileNotFound, message: 'File not found' };
    case 'EACCES':
    case 'EPERM':
    case 'ELOOP':
      return { code: TftpErrorCode.AccessViolation, message: 'Access violation' };
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: TftpErrorCode.DiskFull, message: 'Disk full or allocation exceeded' };
    case 'EEXIST':
      return { code: TftpErrorCode.FileExists, message: 'File already exists' };
    default:
      return { code: TftpErrorCode.NotDefined, message: 'Internal server error' };
  }
}
