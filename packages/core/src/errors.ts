/** Stable error codes. Front ends map each to their protocol's error form in one place. */
export const ErrorCode = {
  NodeNotFound: 'BMCEMU_NODE_NOT_FOUND',
  DriverUnavailable: 'BMCEMU_DRIVER_UNAVAILABLE',
  Conflict: 'BMCEMU_CONFLICT',
  InvalidArgument: 'BMCEMU_INVALID_ARGUMENT',
  Unsupported: 'BMCEMU_UNSUPPORTED',
  ConfigInvalid: 'BMCEMU_CONFIG_INVALID',
  MediaError: 'BMCEMU_MEDIA_ERROR',
  Timeout: 'BMCEMU_TIMEOUT',
  Internal: 'BMCEMU_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class BmcEmuError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BmcEmuError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isBmcEmuError(err: unknown, code?: ErrorCode): err is BmcEmuError {
  return err instanceof BmcEmuError && (code === undefined || err.code === code);
}

export const errors = {
  nodeNotFound: (id: string) =>
    new BmcEmuError(ErrorCode.NodeNotFound, `No node "${id}". List nodes with \`bmc-emu nodes\`.`, { id }),
  driverUnavailable: (driver: string, reason: string, cause?: unknown) =>
    new BmcEmuError(
      ErrorCode.DriverUnavailable,
      `The ${driver} driver is unavailable: ${reason}. Check that the hypervisor is running; bmc-emu retries on its own.`,
      { driver, reason },
      { cause },
    ),
  conflict: (message: string, details: Record<string, unknown> = {}) =>
    new BmcEmuError(ErrorCode.Conflict, message, details),
  invalidArgument: (message: string, details: Record<string, unknown> = {}) =>
    new BmcEmuError(ErrorCode.InvalidArgument, message, details),
  unsupported: (message: string, details: Record<string, unknown> = {}) =>
    new BmcEmuError(ErrorCode.Unsupported, message, details),
  media: (message: string, details: Record<string, unknown> = {}, cause?: unknown) =>
    new BmcEmuError(ErrorCode.MediaError, message, details, { cause }),
  timeout: (message: string, details: Record<string, unknown> = {}) =>
    new BmcEmuError(ErrorCode.Timeout, message, details),
  /** A broken promise of our own (a bug), not anything the user did. */
  internal: (message: string, details: Record<string, unknown> = {}) =>
    new BmcEmuError(ErrorCode.Internal, message, details),
};
