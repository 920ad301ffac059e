/**
 * How every ErrorCode ends a DHCP request. DHCP has no error reply (a NAK means "that address is wrong for
 * you", never "the server failed"), so every failure drops the packet and the client retries on its own
 * timer; the table says which counter counts it and how loudly it is logged.
 */
import { ErrorCode, type ErrorTable, isBmcEmuError } from '@bmc-emu/core';

export interface DhcpErrorOutcome {
  counter: 'decodeErrors' | 'internalErrors';
  level: 'debug' | 'error';
}

/** The client's bytes were bad (malformed packet or option): routine on a busy segment, so debug. */
const CLIENT: DhcpErrorOutcome = { counter: 'decodeErrors', level: 'debug' };
/** Ours to fix: counted and logged as an error. */
const SERVER: DhcpErrorOutcome = { counter: 'internalErrors', level: 'error' };

export const DHCP_ERROR_OUTCOMES: ErrorTable<DhcpErrorOutcome> = {
  [ErrorCode.NodeNotFound]: SERVER,
  [ErrorCode.DriverUnavailable]: SERVER,
  [ErrorCode.Conflict]: SERVER,
  [ErrorCode.InvalidArgument]: CLIENT,
  [ErrorCode.Unsupported]: SERVER,
  [ErrorCode.MediaError]: SERVER,
  [ErrorCode.Timeout]: SERVER,
  [ErrorCode.ConfigInvalid]: SERVER,
  [ErrorCode.Internal]: SERVER,
};

export function dhcpErrorOutcome(err: unknown): DhcpErrorOutcome {
  return isBmcEmuError(err) ? (DHCP_ERROR_OUTCOMES[err.code] ?? SERVER) : SERVER;
}
