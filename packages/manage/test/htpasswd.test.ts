import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHtpasswd, verifyHtpasswd } from '../src/index.js';
import { command, requirePeers } from '../../../test/support/peers.js';

const htpasswd = requirePeers('Apache htpasswd', [command('htpasswd', 'apache2-utils')]);
/** One entry as Apache's own tool writes it (`-n` prints instead of writing a file). */
const make = (flag: string, user: string, password: string) =>
  execFileSync('htpasswd', ['-n', '-b', flag, user, password], { encoding: 'utf8' }).trim();

htpasswd.describe('htpasswd entries written by Apache htpasswd', () => {
  it('verifies bcrypt (-B, what sushy-tools takes), SHA (-s) and APR1 (-m) and refuses wrong passwords', () => {
    const text = [
      make('-B', 'ironic', 'pw-b'),
      make('-s', 'sha', 'pw-s'),
      make('-m', 'md5', 'pw-m'),
      make('-d', 'des', 'pw-d'),
      make('-p', 'plain', 'pw-p'),
    ].join('\n');
    const file = parseHtpasswd(text);
    expect(file.entries.map((e) => [e.user, e.scheme])).toEqual([
      ['ironic', 'bcrypt'],
      ['sha', 'sha1'],
      ['md5', 'apr1'],
    ]);
    expect(file.refused.map((r) => r.user)).toEqual(['des', 'plain']);
    const [b, s, m] = file.entries as [never, never, never];
    expect([verifyHtpasswd(b, 'pw-b'), verifyHtpasswd(s, 'pw-s'), verifyHtpasswd(m, 'pw-m')]).toEqual([
      true,
      true,
      true,
    ]);
    expect([verifyHtpasswd(b, 'pw-s'), verifyHtpasswd(s, 'pw-b'), verifyHtpasswd(m, '')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('verifies what htpasswd wrote for generated passwords (fast-check, 20 runs per digest)', () => {
    const password = fc.string({
      minLength: 1,
      maxLength: 40,
      unit: fc.constantFrom('a', 'Z', '9', ' ', ':', '$', 'é', '!', '\\'),
    });
    for (const flag of ['-s', '-m', '-B']) {
      fc.assert(
        fc.property(password, password, (pw, other) => {
          const entry = parseHtpasswd(make(flag, 'u', pw)).entries[0]!;
          expect(verifyHtpasswd(entry, pw)).toBe(true);
          expect(verifyHtpasswd(entry, other)).toBe(pw === other);
        }),
        { numRuns: flag === '-B' ? 8 : 20 },
      );
    }
  });
});

describe('parseHtpasswd', () => {
  it('keeps the first entry of a user, as Apache does, and says so of the rest', () => {
    const f = parseHtpasswd('a:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n# c\n\na:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n');
    expect(f.entries).toHaveLength(1);
    expect(f.refused).toEqual([{ user: 'a', line: 4, why: expect.stringMatching(/only the first/) }]);
  });
  it('names the line of a malformed entry', () => {
    expect(() => parseHtpasswd('ok:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\nbroken\n', '/etc/sushy/htpasswd')).toThrow(
      '/etc/sushy/htpasswd:2: expected user:digest',
    );
  });
});
