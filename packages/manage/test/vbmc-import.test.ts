import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBmcEmuError } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importVbmcTree, parseIni, parseVbmcConfig } from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const fixtures = new URL('../../../fixtures/vbmc/', import.meta.url).pathname;
const tempDir = tempDirs();

describe('import vbmc', () => {
  it('reads the tree vbmc wrote exactly as vbmc reads it back', async () => {
    const vbmc = JSON.parse(await readFile(join(fixtures, 'parsed-by-vbmc.json'), 'utf8')) as Record<
      string,
      { username: string; password: string; address: string; port: number; libvirt_uri: string; active: string }
    >;
    const { bmcs, notes } = await importVbmcTree(join(fixtures, 'tree'));
    expect(bmcs.map((b) => b.node)).toEqual(Object.keys(vbmc));
    for (const b of bmcs) {
      const v = vbmc[b.node]!;
      expect(b.user).toBe(v.username);
      expect(b.password).toBe(v.password);
      expect(b.ipmi.port).toBe(v.port);
      expect(b.ipmi.address ?? '::').toBe(v.address);
      expect(b.libvirtUri).toBe(v.libvirt_uri);
      expect(b.active).toBe(v.active === 'True');
    }
    // worker-0 carries libvirt SASL credentials, which bmc-emu can't take over: said, not dropped.
    expect(notes).toEqual([
      expect.objectContaining({ key: 'libvirt_sasl_username', where: expect.stringContaining('worker-0') }),
    ]);
  });

  it('refuses a config without port, with the file named', async () => {
    const err = (() => {
      try {
        parseVbmcConfig('[VirtualBMC]\nusername = a\npassword = b\n', '/x/node/config', 'node');
      } catch (e) {
        return e;
      }
    })();
    expect(isBmcEmuError(err)).toBe(true);
    expect((err as Error).message).toBe('/x/node/config: [VirtualBMC] port is missing');
  });

  it('refuses two BMCs on one port, as vbmc could start only one', async () => {
    const dir = await tempDir('bmcemu-vbmc-');
    await cp(join(fixtures, 'tree'), dir, { recursive: true });
    const text = await readFile(join(dir, 'master-0', 'config'), 'utf8');
    await mkdir(join(dir, 'clone'));
    await writeFile(join(dir, 'clone', 'config'), text.replace('domain_name = master-0', 'domain_name = clone'));
    await expect(importVbmcTree(dir)).rejects.toThrow(/master-0 and clone both use IPMI \*:6230/);
    await rm(join(dir, 'clone'), { recursive: true });
    await expect(importVbmcTree(dir)).resolves.toMatchObject({ bmcs: { length: 3 } });
  });

  it('explains every virtualbmc.conf key instead of dropping it', async () => {
    const dir = await tempDir('bmcemu-vbmc-');
    await writeFile(
      join(dir, 'virtualbmc.conf'),
      '[default]\nserver_port = 50891\n[ipmi]\nsession_timeout = 10\n[x]\ny = 1\n',
    );
    const { notes } = await importVbmcTree(dir);
    expect(notes.map((n) => n.key)).toEqual(['default.server_port', 'ipmi.session_timeout', 'x.y']);
    expect(notes[2]!.why).toMatch(/not a setting vbmc reads/);
  });

  it('a missing folder is a clear error', async () => {
    await expect(importVbmcTree('/nonexistent/.vbmc')).rejects.toThrow(
      /cannot read the vbmc folder \/nonexistent\/\.vbmc/,
    );
  });
});

describe('parseIni (configparser semantics)', () => {
  it('round-trips any key/value set written the way configparser writes it (fast-check)', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/);
    const value = fc.stringMatching(/^[^\s\r\n]([^\r\n]{0,30}[^\s\r\n])?$/);
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), (kv) => {
        const text = `[S]\n${Object.entries(kv)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n\n`;
        expect(Object.fromEntries(parseIni(text).get('S')!)).toEqual(kv);
      }),
    );
  });
  it('never throws anything but a config error on arbitrary text (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseIni(text);
        } catch (err) {
          expect(isBmcEmuError(err)).toBe(true);
        }
      }),
    );
  });
  it('folds key case, reads ":" and continuation lines, inherits DEFAULT', () => {
    const ini = parseIni('[DEFAULT]\nshared = 1\n[A]\nKey: v\n  more\n# c\n; c\nother=x\n');
    expect(Object.fromEntries(ini.get('A')!)).toEqual({ key: 'v\nmore', other: 'x', shared: '1' });
  });
});
