import { ErrorCode, type ErrorTable, isBmcEmuError } from '@bmc-emu/core';

/** IPMI completion codes (IPMI 2.0 table 5-2) and the boot-options specific ones. */
export const CC = {
  ok: 0x00,
  nodeBusy: 0xc0,
  invalidCommand: 0xc1,
  invalidForLun: 0xc2,
  timeout: 0xc3,
  outOfSpace: 0xc4,
  reservationInvalid: 0xc5,
  dataTruncated: 0xc6,
  requestLength: 0xc7,
  requestTooLong: 0xc8,
  paramOutOfRange: 0xc9,
  cannotReturnBytes: 0xca,
  notPresent: 0xcb,
  invalidData: 0xcc,
  illegalForSensor: 0xcd,
  noResponse: 0xce,
  duplicate: 0xcf,
  sdrUpdateMode: 0xd0,
  firmwareUpdateMode: 0xd1,
  initInProgress: 0xd2,
  destinationUnavailable: 0xd3,
  insufficientPrivilege: 0xd4,
  notInPresentState: 0xd5,
  subFunctionDisabled: 0xd6,
  unspecified: 0xff,
  // System Boot Options
  paramNotSupported: 0x80,
  setInProgressBusy: 0x81,
  readOnlyParam: 0x82,
} as const;

/** How every ErrorCode answers over IPMI: the completion code (IPMI 2.0 table 5-2). */
export const IPMI_COMPLETION_CODES: ErrorTable<number> = {
  [ErrorCode.NodeNotFound]: CC.notPresent,
  [ErrorCode.DriverUnavailable]: CC.nodeBusy,
  [ErrorCode.Conflict]: CC.notInPresentState,
  [ErrorCode.InvalidArgument]: CC.invalidData,
  [ErrorCode.Unsupported]: CC.subFunctionDisabled,
  // IPMI has no virtual media; a media error reaching a chassis command is nothing the client can fix
  [ErrorCode.MediaError]: CC.unspecified,
  [ErrorCode.Timeout]: CC.timeout,
  [ErrorCode.ConfigInvalid]: CC.unspecified,
  [ErrorCode.Internal]: CC.unspecified,
};

/** The single place where a driver error becomes an IPMI completion code. */
export function completionCodeFor(err: unknown): number {
  if (!isBmcEmuError(err)) return CC.unspecified;
  return IPMI_COMPLETION_CODES[err.code] ?? CC.unspecified;
}

export class CompletionError extends Error {
  constructor(
    readonly cc: number,
    message = `completion code 0x${cc.toString(16)}`,
  ) {
    super(message);
    this.name = 'CompletionError';
  }
}
