import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HtpasswdAccounts } from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const fixtures = new URL('../../../fixtures/sushy/', import.meta.url).pathname;
const tempDir = tempDirs();
const sha = (pw: string) => `{SHA}${createHash('sha1').update(pw).digest('base64')}`;

describe('HtpasswdAccounts', () => {
  it("verifies the fixture's bcrypt and {SHA} accounts and refuses wrong passwords and crypt(3)", () => {
    const a = new HtpasswdAccounts(join(fixtures, 'htpasswd'));
    expect(a.users()).toEqual(['ironic', 'admin2']);
    expect(a.verify('ironic', 'ir0nic-pw')).toBe(true);
    expect(a.verify('ironic', 'ir0nic-pw')).toBe(true); // the cached path
    expect(a.verify('ironic', 'wrong')).toBe(false);
    expect(a.verify('olddes', 'anything')).toBe(false);
    expect(a.verify('nobody', 'x')).toBe(false);
  });

  it('re-reads the file when it changes: a new password applies and the old one is refused', async () => {
    const file = join(await tempDir('bmcemu-htpasswd-'), 'htpasswd');
    await writeFile(file, `u1:${sha('old-pw')}\n`);
    const a = new HtpasswdAccounts(file);
    expect(a.verify('u1', 'old-pw')).toBe(true);
    // replaced the way editors and `htpasswd` do (new inode), with another size
    await writeFile(`${file}.new`, `u1:${sha('brand-new-pw')}\nu2:${sha('two')}\n`);
    await rename(`${file}.new`, file);
    expect(a.verify('u1', 'old-pw')).toBe(false);
    expect(a.verify('u1', 'brand-new-pw')).toBe(true);
    expect(a.verify('u2', 'two')).toBe(true);
  });

  it("stamps a user's entry: the same while it stands, another once it changes, none once it goes", async () => {
    const file = join(await tempDir('bmcemu-htpasswd-'), 'htpasswd');
    await writeFile(file, `u1:${sha('pw')}\nu2:${sha('two')}\n`);
    const a = new HtpasswdAccounts(file);
    const first = a.stamp('u1');
    expect(first).toBeTypeOf('string');
    expect(a.stamp('u1')).toBe(first);
    expect(a.stamp('u2')).not.toBe(first);
    expect(first).not.toContain(sha('pw')); // a digest of the entry, not the entry
    await writeFile(`${file}.new`, `u1:${sha('other')}\n`);
    await rename(`${file}.new`, file);
    expect(a.stamp('u1')).not.toBe(first);
    expect(a.stamp('u2')).toBeUndefined();
    expect(a.stamp('nobody')).toBeUndefined();
  });

  it('keeps the last accounts while the file is missing', async () => {
    const file = join(await tempDir('bmcemu-htpasswd-'), 'htpasswd');
    await writeFile(file, `u1:${sha('pw')}\n`);
    const a = new HtpasswdAccounts(file);
    await rename(file, `${file}.gone`);
    expect(a.verify('u1', 'pw')).toBe(true);
  });
});
