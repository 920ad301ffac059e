/** The console's session cookie: parsed from a Cookie header, and the Set-Cookie that carries it. */

export const SESSION_COOKIE = 'bmcemu_console';

/** name -> value of a Cookie header (RFC 6265 5.4); the first of a repeated name wins; malformed pairs are skipped. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!name || out.has(name)) continue;
    out.set(name, value);
  }
  return out;
}

/** A session token is what SessionStore makes: hex. Anything else in the cookie is ignored. */
export function sessionToken(header: string | undefined): string | undefined {
  const v = parseCookies(header).get(SESSION_COOKIE);
  return v && /^[0-9a-f]{16,128}$/.test(v) ? v : undefined;
}

export function sessionCookie(token: string, secure: boolean, maxAgeSec?: number): string {
  const attrs = [`${SESSION_COOKIE}=${token}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict'];
  if (secure) attrs.push('Secure');
  if (maxAgeSec !== undefined) attrs.push(`Max-Age=${maxAgeSec}`);
  return attrs.join('; ');
}
