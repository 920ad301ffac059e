/** Action (POST) parameter validation. Pure and total, like decodePatch. */
import { type ExtendedInfo, messageInfo } from './messages.js';

export type ParamSpec = (
  | { kind: 'enum'; values: readonly string[] }
  /** `secret`: a credential; an error about it names the parameter, never its value. */
  | { kind: 'string'; maxLength?: number; secret?: boolean }
  | { kind: 'boolean' }
  | { kind: 'stringArray'; maxItems?: number }
  /** `[{"@odata.id": "/redfish/v1/..."}]`, decoded to the list of ids. */
  | { kind: 'linkArray'; maxItems?: number }
) & { required?: boolean; nullable?: boolean };

function isLink(x: unknown): x is { '@odata.id': string } {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as Record<string, unknown>)['@odata.id'] === 'string' &&
    ((x as Record<string, unknown>)['@odata.id'] as string).startsWith('/redfish/v1')
  );
}

export type ActionResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: ExtendedInfo[] };

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

export function decodeAction(action: string, params: Record<string, ParamSpec>, body: unknown): ActionResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [messageInfo('MalformedJSON')] };
  }
  const b = body as Record<string, unknown>;
  const errs: ExtendedInfo[] = [];
  const value: Record<string, unknown> = {};
  for (const key of Object.keys(b)) {
    if (!Object.hasOwn(params, key)) errs.push(messageInfo('ActionParameterUnknown', [action, key], key));
  }
  for (const [name, spec] of Object.entries(params)) {
    const v = b[name];
    if (v === undefined) {
      if (spec.required) errs.push(messageInfo('ActionParameterMissing', [action, name], name));
      continue;
    }
    if (v === null && spec.nullable) {
      value[name] = null;
      continue;
    }
    if (spec.kind === 'linkArray') {
      if (!Array.isArray(v) || v.length > (spec.maxItems ?? 64) || !v.every(isLink)) {
        errs.push(messageInfo('ActionParameterValueTypeError', [show(v), name, action], name));
      } else {
        value[name] = v.map((x) => x['@odata.id']);
      }
      continue;
    }
    const typeOk =
      spec.kind === 'stringArray'
        ? Array.isArray(v) && v.length <= (spec.maxItems ?? 64) && v.every((x) => typeof x === 'string')
        : spec.kind === 'boolean'
          ? typeof v === 'boolean'
          : typeof v === 'string';
    if (
      spec.kind === 'string' &&
      spec.secret &&
      (!typeOk || (spec.maxLength !== undefined && (v as string).length > spec.maxLength))
    ) {
      errs.push(messageInfo('ActionParameterValueError', [name, action], name));
      continue;
    }
    if (typeOk && spec.kind === 'string' && spec.maxLength !== undefined && (v as string).length > spec.maxLength) {
      errs.push(messageInfo('StringValueTooLong', [show(v), String(spec.maxLength)], name));
      continue;
    }
    if (!typeOk) {
      errs.push(messageInfo('ActionParameterValueTypeError', [show(v), name, action], name));
      continue;
    }
    if (spec.kind === 'enum' && !spec.values.includes(v as string)) {
      errs.push(messageInfo('ActionParameterValueNotInList', [String(v), name, action], name));
      continue;
    }
    value[name] = v;
  }
  return errs.length ? { ok: false, errors: errs } : { ok: true, value };
}
