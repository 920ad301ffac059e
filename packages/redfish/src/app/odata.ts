import { httpError } from '../http-error.js';
import type { RedfishRequest } from '../http-request.js';

/** DSP0266 8.2 (response headers): we speak OData 4.0 only; any other requested version is 412. */
export function checkODataVersion(req: RedfishRequest): void {
  const raw = req.headers['odata-version'];
  if (raw === undefined) return;
  const v = Array.isArray(raw) ? raw.join(',') : raw;
  if (v.trim() === '4.0') return;
  throw httpError(412, 'HeaderInvalid', [`OData-Version: ${v.slice(0, 32)}`], 'Only OData-Version 4.0 is supported.');
}

/**
 * The `Link: <schema>; rel=describedby` header of a GET/HEAD (DSP0266 8.2): the DMTF-published JSON schema of
 * the resource's @odata.type, versioned like the type (`#ServiceRoot.v1_15_0.ServiceRoot` -> ServiceRoot.v1_15_0.json,
 * a collection -> its unversioned schema).
 */
export function describedByLink(odataType: unknown): string | undefined {
  if (typeof odataType !== 'string') return undefined;
  const m = /^#([A-Za-z][A-Za-z0-9]*)(?:\.(v\d+_\d+_\d+))?\.[A-Za-z][A-Za-z0-9]*$/.exec(odataType);
  if (!m) return undefined;
  const file = m[2] ? `${m[1]}.${m[2]}.json` : `${m[1]}.json`;
  return `<https://redfish.dmtf.org/schemas/v1/${file}>; rel=describedby`;
}
