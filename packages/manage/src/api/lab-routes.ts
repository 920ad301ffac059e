/**
 * The lab part of the management API (JSON on serve's unix socket, the same token as the BMC verbs):
 *
 *   GET    /v1/labs                  {labs: LabRecord[]}
 *   GET    /v1/labs/<name>           LabRecord
 *   PUT    /v1/labs/<name>           LabReport -> LabRecord      (describe or re-describe)
 *   POST   /v1/labs/<name>/progress  LabProgress -> LabRecord    (a step started, done or failed)
 *   DELETE /v1/labs/<name>           {deleted: name}             (forget it)
 */
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import type { LabBook } from './lab-book.js';
import { describeIssues, labName, labProgressSchema, labReportSchema } from './lab-report.js';

export interface LabRouteReply {
  status: number;
  body: unknown;
}

const ROUTE = /^\/v1\/labs(?:\/([^/]+)(\/progress)?)?\/?$/;

const invalid = (message: string) => new BmcEmuError(ErrorCode.InvalidArgument, message);

function methodNotAllowed(method: string, path: string): LabRouteReply {
  return {
    status: 405,
    body: { error: { code: 'METHOD_NOT_ALLOWED', message: `${method} ${path} is not part of the management API` } },
  };
}

/**
 * Answer a /v1/labs request, or undefined when the path is not one of them. `body()` reads and parses the
 * request's JSON (a SyntaxError for bad JSON); schema problems throw InvalidArgument (400), an unknown lab
 * NodeNotFound (404).
 */
export async function labRoute(
  book: LabBook,
  method: string,
  url: string,
  body: () => Promise<unknown>,
): Promise<LabRouteReply | undefined> {
  const path = new URL(url, 'http://management.invalid').pathname;
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  const [, rawName, progress] = m;
  if (rawName === undefined) {
    if (method !== 'GET') return methodNotAllowed(method, path);
    return { status: 200, body: { labs: await book.list() } };
  }
  const name = labName.safeParse(decodeURIComponent(rawName));
  if (!name.success) throw invalid(`lab name ${JSON.stringify(rawName)}: ${describeIssues(name.error)}`);
  if (progress) {
    if (method !== 'POST') return methodNotAllowed(method, path);
    const p = labProgressSchema.safeParse(await body());
    if (!p.success) throw invalid(`progress body: ${describeIssues(p.error)}`);
    return { status: 200, body: await book.progress(name.data, p.data) };
  }
  switch (method) {
    case 'GET':
      return { status: 200, body: await book.get(name.data) };
    case 'PUT': {
      const r = labReportSchema.safeParse(await body());
      if (!r.success) throw invalid(`lab body: ${describeIssues(r.error)}`);
      if (r.data.name !== name.data) throw invalid(`the body names lab "${r.data.name}", the path "${name.data}"`);
      return { status: 200, body: await book.describe(r.data) };
    }
    case 'DELETE':
      await book.forget(name.data);
      return { status: 200, body: { deleted: name.data } };
    default:
      return methodNotAllowed(method, path);
  }
}
