/** The OData query parameters we honour: $select, $expand (levels 1), only. Pure. */
import { type ExtendedInfo, messageInfo } from './messages.js';

export interface QueryOptions {
  select?: string[];
  expand: boolean;
  only: boolean;
}

/** 400 for a bad value of a parameter we support; 501 for a `$` parameter we do not (DSP0266 7.3). */
export type QueryResult = { ok: true; value: QueryOptions } | { ok: false; status: 400 | 501; error: ExtendedInfo };

const SUPPORTED_DOLLAR = new Set(['$select', '$expand']);

const EXPAND_FORMS = /^(\*|\.|~)(\(\$levels=(\d+)\))?$/;

export function parseQuery(q: Record<string, unknown>): QueryResult {
  const out: QueryOptions = { expand: false, only: false };
  const unsupported = Object.keys(q).find((k) => k.startsWith('$') && !SUPPORTED_DOLLAR.has(k));
  if (unsupported !== undefined) {
    return { ok: false, status: 501, error: messageInfo('QueryParameterUnsupported', [unsupported.slice(0, 64)]) };
  }
  if (q.$select !== undefined) {
    if (typeof q.$select !== 'string' || !/^[A-Za-z0-9@._#,/ -]+$/.test(q.$select)) {
      return {
        ok: false,
        status: 400,
        error: messageInfo('QueryParameterValueFormatError', [String(q.$select), '$select']),
      };
    }
    out.select = q.$select
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (q.$expand !== undefined) {
    const m = typeof q.$expand === 'string' ? EXPAND_FORMS.exec(q.$expand) : null;
    if (!m || (m[3] !== undefined && Number(m[3]) < 1)) {
      return {
        ok: false,
        status: 400,
        error: messageInfo('QueryParameterValueFormatError', [String(q.$expand), '$expand']),
      };
    }
    out.expand = true;
  }
  if (q.only !== undefined) {
    if (q.only !== '') {
      return { ok: false, status: 400, error: messageInfo('QueryParameterValueFormatError', [String(q.only), 'only']) };
    }
    out.only = true;
  }
  return { ok: true, value: out };
}

/** Keep the @odata annotations and the selected top-level properties (first path segment). */
export function applySelect(resource: Record<string, unknown>, select: string[]): Record<string, unknown> {
  const keep = new Set(select.map((s) => s.split('/')[0]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    if (k.startsWith('@odata.') || keep.has(k)) out[k] = v;
  }
  return out;
}
