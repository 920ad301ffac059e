/** The OData query parameters we honour: $select, $expand (levels 1), only. Pure. */
import { type ExtendedInfo, messageInfo } from './messages.js';

export interface QueryOptions {
  select?: string[];
  expand: boolean;
  only: boolean;
}

export type QueryResult = { ok: true; value: QueryOptions } | { ok: false; error: ExtendedInfo };

const EXPAND_FORMS = /^(\*|\.|~)(\(\$levels=(\d+)\))?$/;

export function parseQuery(q: Record<string, unknown>): QueryResult {
  const out: QueryOptions = { expand: false, only: false };
  if (q.$select !== undefined) {
    if (typeof q.$select !== 'string' || !/^[A-Za-z0-9@._#,/ -]+$/.test(q.$select)) {
      return { ok: false, error: messageInfo('QueryParameterValueFormatError', [String(q.$select), '$select']) };
    }
    out.select = q.$select
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (q.$expand !== undefined) {
    const m = typeof q.$expand === 'string' ? EXPAND_FORMS.exec(q.$expand) : null;
    if (!m || (m[3] !== undefined && Number(m[3]) < 1)) {
      return { ok: false, error: messageInfo('QueryParameterValueFormatError', [String(q.$expand), '$expand']) };
    }
    out.expand = true;
  }
  if (q.only !== undefined) {
    if (q.only !== '') {
      return { ok: false, error: messageInfo('QueryParameterValueFormatError', [String(q.only), 'only']) };
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
