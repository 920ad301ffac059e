import { readBody, requireMediaType } from '@bmc-emu/http-kit';
import type { RedfishRequest } from './http-request.js';
import { httpError } from './http-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What a Redfish request body may be sent as (DSP0266 6.5: JSON). A body without Content-Type is read as JSON,
 * as before: curl without -H and older scripts send none, and there is no other type it could be.
 */
export const ACCEPTED_BODY_TYPES = ['application/json'] as const;

/**
 * Read and parse a JSON request body (empty body -> undefined). Redfish errors for bad JSON (400), a body over
 * the limit (413) or one sent as another media type (415, naming the accepted types); the kit's own errors
 * (cut-off body) become Redfish errors in toRedfishError.
 */
export async function readJsonBody(req: RedfishRequest, limit = MAX_BODY_BYTES): Promise<unknown> {
  const text = (await readBody(req, { limit })).toString('utf8').trim();
  if (text === '') return undefined;
  requireMediaType(req, ACCEPTED_BODY_TYPES);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw httpError(400, 'MalformedJSON');
  }
}
