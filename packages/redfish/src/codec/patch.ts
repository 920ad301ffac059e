/**
 * PATCH body validation: which properties a resource lets a client write, checked against the body.
 * Pure and total: any JSON value in, either the accepted values or Redfish messages out (never throws).
 */
import { type ExtendedInfo, messageInfo } from './messages.js';

export type FieldSpec =
  | { kind: 'enum'; values: readonly string[] }
  /** `secret`: a credential; an error about it names the property, never its value. */
  | { kind: 'string'; maxLength?: number; pattern?: RegExp; secret?: boolean }
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'scalar' }
  | { kind: 'object'; fields: Record<string, FieldSpec>; open?: boolean };

export type PatchSpec = Record<string, FieldSpec>;

export type PatchResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: ExtendedInfo[] };

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkField(spec: FieldSpec, value: unknown, path: string, errs: ExtendedInfo[], current: unknown): unknown {
  switch (spec.kind) {
    case 'enum':
      if (typeof value !== 'string') {
        errs.push(messageInfo('PropertyValueTypeError', [show(value), path], path));
        return undefined;
      }
      if (!spec.values.includes(value)) {
        errs.push(messageInfo('PropertyValueNotInList', [value, path], path));
        return undefined;
      }
      return value;
    case 'string':
      if (
        spec.secret &&
        (typeof value !== 'string' || (spec.maxLength !== undefined && value.length > spec.maxLength))
      ) {
        errs.push(messageInfo('PropertyValueError', [path], path));
        return undefined;
      }
      if (typeof value !== 'string') {
        errs.push(messageInfo('PropertyValueTypeError', [show(value), path], path));
        return undefined;
      }
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        errs.push(messageInfo('StringValueTooLong', [show(value), String(spec.maxLength)], path));
        return undefined;
      }
      if (spec.pattern && !spec.pattern.test(value)) {
        errs.push(messageInfo('PropertyValueNotInList', [show(value), path], path));
        return undefined;
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') {
        errs.push(messageInfo('PropertyValueTypeError', [show(value), path], path));
        return undefined;
      }
      return value;
    case 'integer':
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        (spec.min !== undefined && value < spec.min) ||
        (spec.max !== undefined && value > spec.max)
      ) {
        errs.push(messageInfo('PropertyValueTypeError', [show(value), path], path));
        return undefined;
      }
      return value;
    case 'scalar':
      if (
        typeof value !== 'string' &&
        typeof value !== 'boolean' &&
        !(typeof value === 'number' && Number.isFinite(value))
      ) {
        errs.push(messageInfo('PropertyValueTypeError', [show(value), path], path));
        return undefined;
      }
      return value;
    case 'object': {
      if (!isPlainObject(value)) {
        errs.push(messageInfo('PropertyValueTypeError', [show(value), path], path));
        return undefined;
      }
      return checkObject(spec, value, path, errs, isPlainObject(current) ? current : undefined);
    }
  }
}

function checkObject(
  spec: { fields: Record<string, FieldSpec>; open?: boolean },
  body: Record<string, unknown>,
  prefix: string,
  errs: ExtendedInfo[],
  current: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const path = prefix ? `${prefix}/${key}` : key;
    const field = Object.hasOwn(spec.fields, key)
      ? spec.fields[key]
      : spec.open
        ? { kind: 'scalar' as const }
        : undefined;
    if (!field) {
      const known = current !== undefined && Object.hasOwn(current, key);
      errs.push(
        messageInfo(known || key.startsWith('@odata') ? 'PropertyNotWritable' : 'PropertyUnknown', [path], path),
      );
      continue;
    }
    const v = checkField(field, value, path, errs, current?.[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Validate `body` against `spec`. `current` is the resource as a GET shows it: a property that exists there
 * but is not in `spec` is PropertyNotWritable, anything else unknown is PropertyUnknown.
 */
export function decodePatch(spec: PatchSpec, body: unknown, current?: Record<string, unknown>): PatchResult {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [messageInfo('MalformedJSON')] };
  }
  const keys = Object.keys(body);
  if (keys.length > 0 && keys.every((k) => k.startsWith('@') && !Object.hasOwn(spec, k))) {
    // Only OData annotations (e.g. @odata.id): DSP0266 asks for 400 NoOperation (or a success).
    return { ok: false, errors: [messageInfo('NoOperation')] };
  }
  const errs: ExtendedInfo[] = [];
  const value = checkObject({ fields: spec }, body, '', errs, current);
  if (errs.length) return { ok: false, errors: errs };
  if (Object.keys(value).length === 0) {
    return { ok: false, errors: [messageInfo('PropertyMissing', ['(any writable property)'])] };
  }
  return { ok: true, value };
}
