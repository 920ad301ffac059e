import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

/** The only error the DHCP codec throws: the bytes are not a valid DHCPv4 packet or option. */
export class DhcpDecodeError extends BmcEmuError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.InvalidArgument, `Malformed DHCP data: ${message}`, details);
    this.name = 'DhcpDecodeError';
  }
}

export function decodeFail(message: string, details: Record<string, unknown> = {}): never {
  throw new DhcpDecodeError(message, details);
}
