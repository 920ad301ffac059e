/**
 * The one place where failures become TFTP ERROR packets (code + message).
 */
import { ErrorCode, isBmcEmuError } from '@bmc-emu/core';
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

export function toTftpError(err: unknown): TftpErrorReply {
  if (err instanceof TftpRefusal || err instanceof TftpDecodeError) return { code: err.tftpCode, message: err.message };
  if (isBmcEmuError(err)) {
    switch (err.code) {
      case ErrorCode.NodeNotFound:
        return { code: TftpErrorCode.FileNotFound, message: 'File not found' };
      case ErrorCode.InvalidArgument:
      case ErrorCode.Unsupported:
        return { code: TftpErrorCode.AccessViolation, message: err.message };
      default:
        return { code: TftpErrorCode.NotDefined, message: err.message };
    }
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
