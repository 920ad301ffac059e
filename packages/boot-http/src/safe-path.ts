/**
 * Map a URL path (still percent-encoded) onto a file under a root folder, refusing everything that could
 * leave the root: `..` in any spelling, encoded slashes, backslashes, NUL bytes, and symlinks that point out.
 */

import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type SafePath = { ok: true; path: string; stat: Stats } | { ok: false; reason: 'forbidden' | 'not-found' };

/** Decode and check the segments; undefined when any segment is unsafe. Pure. */
export function safeSegments(encodedPath: string): string[] | undefined {
  if (encodedPath.includes('\\') || encodedPath.includes('\0')) return undefined;
  const out: string[] = [];
  for (const raw of encodedPath.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === '.' || seg === '..' || /[/\\]/.test(seg) || hasControlChar(seg)) return undefined;
    out.push(seg);
  }
  return out;
}

function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export async function resolveUnder(root: string, encodedPath: string): Promise<SafePath> {
  const segs = safeSegments(encodedPath);
  if (!segs) return { ok: false, reason: 'forbidden' };
  if (segs.length === 0) return { ok: false, reason: 'not-found' };
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, ...segs));
  } catch {
    return { ok: false, reason: 'not-found' };
  }
  if (!real.startsWith(realRoot + sep)) return { ok: false, reason: 'forbidden' };
  try {
    const st = await stat(real);
    if (!st.isFile()) return { ok: false, reason: 'not-found' };
    return { ok: true, path: real, stat: st };
  } catch {
    return { ok: false, reason: 'not-found' };
  }
}
