/** `Authorization: Bearer <token>` checked in constant time (the token's length is not secret). */
import { timingSafeEqual } from 'node:crypto';

export function bearerAllowed(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const got = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}
