/** The parts of a request-target (RFC 9112 3.2) a front end routes on. Pure. */
export interface RequestTarget {
  /** The path as received (not percent-decoded); for an absolute-form target, its path only. */
  path: string;
  /** What follows the first `?`, without it ('' when there is none). */
  rawQuery: string;
  /** The request-target exactly as received. */
  originalUrl: string;
}

/** Splits `req.url` into path and query. Never throws: a target that cannot be parsed keeps its text as path. */
export function splitTarget(url: string | undefined): RequestTarget {
  const originalUrl = url ?? '/';
  const q = originalUrl.indexOf('?');
  let path = q === -1 ? originalUrl : originalUrl.slice(0, q);
  // absolute-form (a proxy-style `GET http://host/path`): keep only its path
  if (!path.startsWith('/') && path !== '*') {
    try {
      path = new URL(path).pathname;
    } catch {
      // left as is: it matches no route and answers 404
    }
  }
  return { path, rawQuery: q === -1 ? '' : originalUrl.slice(q + 1), originalUrl };
}
