import { createHash } from 'node:crypto';

/** A strong ETag over a resource's JSON (without its own @odata.etag). */
export function computeEtag(resource: Record<string, unknown>): string {
  const { '@odata.etag': _ignored, ...rest } = resource;
  return `"${createHash('sha1').update(JSON.stringify(rest)).digest('base64url').slice(0, 22)}"`;
}

function opaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

/** If-Match semantics (weak comparison, as sushy retries with W/ tags): true when the request may proceed. */
export function ifMatchPasses(header: string | undefined, current: string): boolean {
  if (header === undefined) return true;
  const tags = header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (tags.includes('*')) return true;
  return tags.some((t) => opaque(t) === opaque(current));
}

/** If-None-Match: true when the header names the current tag (or '*'). */
export function ifNoneMatchHits(header: string | undefined, current: string): boolean {
  if (header === undefined) return false;
  const tags = header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return tags.includes('*') || tags.some((t) => opaque(t) === opaque(current));
}
