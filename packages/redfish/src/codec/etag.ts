import * as crypto from 'node:crypto';

// one-shot crypto.hash (node >= 20.12) skips the Hash object; older 20.x builds the object
const sha1 =
  typeof crypto.hash === 'function'
    ? (text: string) => crypto.hash('sha1', text, 'base64url')
    : (text: string) => crypto.createHash('sha1').update(text).digest('base64url');

const tagOf = (text: string): string => `"${sha1(text).slice(0, 22)}"`;

/** A strong ETag over a resource's JSON (without its own @odata.etag). */
export function computeEtag(resource: Record<string, unknown>): string {
  if (!('@odata.etag' in resource)) return tagOf(JSON.stringify(resource));
  const { '@odata.etag': _ignored, ...rest } = resource;
  return tagOf(JSON.stringify(rest));
}

/**
 * The resource serialized once: its ETag (the same as computeEtag's) and, for a resource with an `@odata.id`,
 * the JSON text with `@odata.etag` first, so the hot GET path neither copies the object nor stringifies twice.
 */
export function serializeWithEtag(resource: Record<string, unknown>): { etag: string; text: string } {
  if ('@odata.etag' in resource) {
    const etag = computeEtag(resource);
    return { etag, text: JSON.stringify('@odata.id' in resource ? { ...resource, '@odata.etag': etag } : resource) };
  }
  const bare = JSON.stringify(resource);
  const etag = tagOf(bare);
  if (!('@odata.id' in resource)) return { etag, text: bare };
  const head = `{"@odata.etag":${JSON.stringify(etag)}`;
  // '{}' when every value was undefined (JSON.stringify leaves such keys out)
  return { etag, text: bare === '{}' ? `${head}}` : `${head},${bare.slice(1)}` };
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
