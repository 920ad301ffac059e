/**
 * An error that already knows its HTTP status. The kit throws it for what it detects itself (body too large,
 * body cut off, unsupported media type); each front end turns it into its own error format.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** What went wrong, for a front end that maps it to its own message id. */
    readonly reason: HttpErrorReason = 'other',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export type HttpErrorReason = 'body-too-large' | 'body-aborted' | 'unsupported-media-type' | 'other';

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}
