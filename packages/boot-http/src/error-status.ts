/** How every ErrorCode answers over boot HTTP (iPXE, ignition, image downloads): the HTTP status. */
import { ErrorCode, type ErrorTable } from '@bmc-emu/core';

export const BOOT_HTTP_STATUS: ErrorTable<number> = {
  [ErrorCode.NodeNotFound]: 404,
  [ErrorCode.DriverUnavailable]: 503,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.InvalidArgument]: 400,
  // 501, where Redfish says 400: plain HTTP's "functionality not supported"; no boot client retries on it
  // (Redfish keeps 400 because sushy and Ironic retry 5xx answers).
  [ErrorCode.Unsupported]: 501,
  // 502, where Redfish says 400: the client asked us for a file and the upstream image server failed us;
  // the URL was not the client's choice. The reason is the body.
  [ErrorCode.MediaError]: 502,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.ConfigInvalid]: 500,
  [ErrorCode.Internal]: 500,
};

/** The status for an error that carries an ErrorCode (500 for a code this build does not know). */
export function bootHttpStatusFor(code: string): number {
  return (BOOT_HTTP_STATUS as Readonly<Record<string, number>>)[code] ?? 500;
}
