import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

/** The only error a codec throws: the bytes are not a valid frame of the kind asked for. */
export class IpmiDecodeError extends BmcEmuError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.InvalidArgument, message, details);
    this.name = 'IpmiDecodeError';
  }
}

export function need(buf: Uint8Array, length: number, what: string): void {
  if (buf.length < length) throw new IpmiDecodeError(`${what}: need ${length} bytes, got ${buf.length}`);
}
