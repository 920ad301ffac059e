import { type BmcEmuError, ErrorCode, isBmcEmuError } from '@bmc-emu/core';
import { type ExtendedInfo, errorBody, type MessageId, messageInfo, type RedfishErrorBody } from './codec/messages.js';
import { REDFISH_ERRORS } from './error-table.js';

/** An error that already knows its Redfish status and messages. */
export class RedfishHttpError extends Error {
  constructor(
    readonly status: number,
    readonly infos: ExtendedInfo[],
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? infos[0]?.Message ?? 'error');
    this.name = 'RedfishHttpError';
  }
}

export function httpError(status: number, id: MessageId, args: string[] = [], detail?: string): RedfishHttpError {
  return new RedfishHttpError(status, [messageInfo(id, args)], detail);
}

/** The ONE place where any error becomes a Redfish status + error body. */
export function toRedfishError(err: unknown): {
  status: number;
  body: RedfishErrorBody;
  headers: Record<string, string>;
} {
  if (err instanceof RedfishHttpError) {
    return { status: err.status, body: errorBody(err.infos, err.detail), headers: err.headers };
  }
  if (isBmcEmuError(err)) {
    const e = err as BmcEmuError;
    const { status, messageId: id } = REDFISH_ERRORS[e.code] ?? REDFISH_ERRORS[ErrorCode.Internal];
    const args =
      id === 'ResourceNotFound'
        ? ['ComputerSystem', String(e.details.id ?? '')]
        : id === 'ServiceTemporarilyUnavailable'
          ? ['10']
          : id === 'ActionNotSupported'
            ? [e.message]
            : [];
    const headers: Record<string, string> = status === 503 ? { 'Retry-After': '10' } : {};
    return { status, body: errorBody([messageInfo(id, args)], e.message), headers };
  }
  return { status: 500, body: errorBody([messageInfo('InternalError')]), headers: {} };
}
