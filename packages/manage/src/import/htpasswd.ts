/**
 * Apache htpasswd files, as sushy-tools' SUSHY_EMULATOR_AUTH_FILE names them. sushy-tools itself accepts
 * bcrypt only; bmc-emu also accepts the two other digests `htpasswd` writes on Linux ({SHA} and $apr1$),
 * so a file made with plain `htpasswd -c` works too. crypt(3) and plain-text entries are refused by name:
 * Apache on Linux does not accept plain text either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

// apache-md5 is CommonJS whose types claim an ES default export; require gives the function itself.
const md5 = createRequire(import.meta.url)('apache-md5') as (password: string, salt: string) => string;

export type HtpasswdScheme = 'bcrypt' | 'sha1' | 'apr1';

export interface HtpasswdEntry {
  user: string;
  scheme: HtpasswdScheme;
  hash: string;
  line: number;
}

export interface HtpasswdFile {
  entries: HtpasswdEntry[];
  refused: Array<{ user: string; line: number; why: string }>;
}

export function schemeOf(hash: string): HtpasswdScheme | { refused: string } {
  if (/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha1';
  if (/^\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'apr1';
  if (/^\$[56]\$/.test(hash))
    return { refused: 'SHA-crypt ($5$/$6$) is not supported; re-create the entry with `htpasswd -B`' };
  if (/^[./A-Za-z0-9]{13}$/.test(hash))
    return { refused: 'crypt(3) DES is not supported (8-character passwords); use `htpasswd -B`' };
  return { refused: 'not a digest htpasswd writes (plain text is not accepted); use `htpasswd -B`' };
}

export function parseHtpasswd(text: string, file = 'htpasswd'): HtpasswdFile {
  const out: HtpasswdFile = { entries: [], refused: [] };
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new BmcEmuError(ErrorCode.ConfigInvalid, `${file}:${i + 1}: expected user:digest`, { file, line: i + 1 });
    }
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    // Apache (and sushy-tools) take the first line for a user; later ones can never match.
    if (seen.has(user)) {
      out.refused.push({ user, line: i + 1, why: 'a second entry for this user; only the first is ever used' });
      return;
    }
    seen.add(user);
    const scheme = schemeOf(hash);
    if (typeof scheme === 'string') out.entries.push({ user, scheme, hash, line: i + 1 });
    else out.refused.push({ user, line: i + 1, why: scheme.refused });
  });
  return out;
}

export function verifyHtpasswd(entry: Pick<HtpasswdEntry, 'scheme' | 'hash'>, password: string): boolean {
  switch (entry.scheme) {
    case 'bcrypt':
      // bcryptjs reads $2y$ (what `htpasswd -B` writes) as $2b$, which it is.
      return bcrypt.compareSync(password, entry.hash.replace(/^\$2y\$/, '$2b$'));
    case 'sha1': {
      const want = Buffer.from(entry.hash.slice(5), 'base64');
      const got = createHash('sha1').update(password, 'utf8').digest();
      return want.length === got.length && timingSafeEqual(want, got);
    }
    case 'apr1': {
      // apache-md5 hashes one byte per char; htpasswd hashed the password's UTF-8 bytes.
      const got = Buffer.from(md5(Buffer.from(password, 'utf8').toString('latin1'), entry.hash));
      const want = Buffer.from(entry.hash);
      return got.length === want.length && timingSafeEqual(got, want);
    }
  }
}
