import type { Server } from 'node:http';
import { answerParserErrors } from '@bmc-emu/http-kit';
import { parserRefusalBody } from './http-error.js';

/**
 * Requests node's HTTP parser refuses before any listener runs (an unknown method such as `FAKEMETHOD`, raw
 * bytes in a header, `Content-Length: -1`) get a Redfish error body too, not node's bare empty 400
 * (DSP0266: every error answer carries the error JSON; an unsupported method is 405 or 501).
 */
export function answerRedfishParserErrors(server: Server): void {
  answerParserErrors(server, (r) => ({
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(parserRefusalBody(r)),
    headers: { 'OData-Version': '4.0' },
  }));
}
