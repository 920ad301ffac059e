import { decodeAction, type ParamSpec } from '../codec/action.js';
import { RedfishHttpError } from '../http-error.js';
import type { Ctx } from '../route.js';

/** The validated parameters of an action/create body, or a 400 with the Redfish messages. */
export function actionBody(b: unknown, action: string, params: Record<string, ParamSpec>): Record<string, unknown> {
  const r = decodeAction(action, params, b);
  if (!r.ok) throw new RedfishHttpError(400, r.errors);
  return r.value;
}

export function isAdmin(c: Ctx): boolean {
  return c.principal?.account.role === 'Administrator';
}
