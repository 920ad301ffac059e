/** How every ErrorCode answers over Redfish: HTTP status and Base registry MessageId. */
import { ErrorCode, type ErrorTable } from '@bmc-emu/core';
import type { MessageId } from './codec/messages.js';

export interface RedfishErrorForm {
  status: number;
  messageId: MessageId;
}

export const REDFISH_ERRORS: ErrorTable<RedfishErrorForm> = {
  [ErrorCode.NodeNotFound]: { status: 404, messageId: 'ResourceNotFound' },
  [ErrorCode.DriverUnavailable]: { status: 503, messageId: 'ServiceTemporarilyUnavailable' },
  [ErrorCode.Conflict]: { status: 409, messageId: 'ResourceInUse' },
  [ErrorCode.InvalidArgument]: { status: 400, messageId: 'GeneralError' },
  // 400, where boot-http says 501: sushy retries a 5xx GET 10 times 3 s apart and Ironic retries a 5xx
  // InsertMedia, but a feature this node lacks stays lacking.
  [ErrorCode.Unsupported]: { status: 400, messageId: 'ActionNotSupported' },
  // 400, where boot-http says 502: here the client chose the image URL, so a 404 there, an image over the
  // cache limit or a non-ISO in the Cd slot is its request's fault (and retrying it is futile). The reason
  // is the error's message.
  [ErrorCode.MediaError]: { status: 400, messageId: 'GeneralError' },
  // 504 as in boot-http: the hypervisor or image server was asked and did not answer in time (503 stays
  // "known to be down, retry after").
  [ErrorCode.Timeout]: { status: 504, messageId: 'OperationTimeout' },
  [ErrorCode.ConfigInvalid]: { status: 500, messageId: 'InternalError' },
  [ErrorCode.Internal]: { status: 500, messageId: 'InternalError' },
};
