import { baremetalOf, isObj, type Obj, str } from './obj.js';
import type { Violation } from './violation.js';

/**
 * `bootstrapOSImage` / `clusterOSImage` (pkg/types/baremetal/validation/platform.go validateOSImageURI,
 * validateOSImages): an http(s) URL with a 64-character `sha256` query parameter, and a HEAD request to it
 * that answers 200 (the installer uses Go's http.Head: redirects followed, anything but 200 is NotFound).
 */
export const OS_IMAGE_KEYS = ['bootstrapOSImage', 'clusterOSImage'] as const;

/** What is wrong with the URL's form (the installer's wording), or undefined. */
export function osImageUriProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `the URI provided: ${url} is invalid`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `the URI provided: ${url} must begin with http/https`;
  const sha = u.searchParams.get('sha256');
  if (!sha) return `the sha256 parameter in the ${url} URI is missing`;
  if (sha.length !== 64) return `the sha256 parameter in the ${url} URI is invalid`;
  return undefined;
}

export interface ReachOptions {
  /** Per request; the installer has none (Go's default client), a lab check should not hang. */
  timeoutMs?: number;
}

async function head(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200 ? undefined : `HEAD answered ${res.status}`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return `HEAD got no answer in ${timeoutMs} ms`;
    return `HEAD failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
  }
}

/** The HEAD half: every well-formed OS image URL must answer 200. Empty when all do (or none is set). */
export async function checkOsImagesReachable(doc: unknown, opts: ReachOptions = {}): Promise<Violation[]> {
  const bm = isObj(doc) ? baremetalOf(doc as Obj) : undefined;
  if (!bm) return [];
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const todo = OS_IMAGE_KEYS.flatMap((key) => {
    const url = str(bm[key]);
    return url && !osImageUriProblem(url) ? [{ key, url }] : [];
  });
  const answers = await Promise.all(todo.map(async (t) => ({ ...t, why: await head(t.url, timeoutMs) })));
  return answers.flatMap(({ key, url, why }) =>
    why
      ? [
          {
            path: `platform.baremetal.${key}`,
            value: url,
            message: `Not found: ${JSON.stringify(url)} (${why})`,
            fix: 'serve the image at that URL (a HEAD request must answer 200) or correct the URL',
          },
        ]
      : [],
  );
}
