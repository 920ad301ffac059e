import { type BmcEmuError, ErrorCode, isBmcEmuError } from '@bmc-emu/core';
import { HttpError, type ParserRefusal } from '@bmc-emu/http-kit';
import { type ExtendedInfo, errorBody, type MessageId, messageInfo, type RedfishErrorBody } from './codec/messages.js';
import { REDFISH_ERRORS } from './error-table.js';

/** An error that already knows its Redfish status and messages (the kit's HttpError, with Redfish messages). */
export class RedfishHttpError extends HttpError {
  constructor(
    status: number,
    readonly infos: ExtendedInfo[],
    readonly detail?: string,
    headers: Record<string, string> = {},
  ) {
    super(status, detail ?? infos[0]?.Message ?? 'error', 'other', headers);
    this.name = 'RedfishHttpError';
  }
}

/** The Base message for each thing the HTTP kit detects itself. */
const KIT_REASON: Record<HttpError['reason'], MessageId> = {
  'body-too-large': 'PayloadTooLarge',
  'body-aborted': 'GeneralError',
  'unsupported-media-type': 'UnsupportedMediaType',
  other: 'GeneralError',
};

/** The Redfish error body for a request node's HTTP parser refused (unknown method, bad header bytes, ...). */
export function parserRefusalBody(r: ParserRefusal): RedfishErrorBody {
  const id: MessageId = r.status === 501 ? 'OperationNotAllowed' : 'GeneralError';
  return errorBody([messageInfo(id)], r.message);
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
    return { status: err.status, body: errorBody(err.infos, err.detail), headers: { ...err.headers } };
  }
  if (err instanceof HttpError) {
    return {
      status: err.status,
      body: errorBody(
        [messageInfo(KIT_REASON[err.reason])],
        `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.`,
      ),
      headers: { ...err.headers },
    };
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
