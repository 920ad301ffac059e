import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type BmcRecord, RegistryStore } from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const run = promisify(execFile);
const tempDir = tempDirs();
const bmc = (node: string, port: number): BmcRecord => ({
  node,
  ipmi: { port },
  user: 'u',
  password: 'p',
  active: true,
});

describe('RegistryStore', () => {
  it('writes owner-only, keeps the previous version as .bak', async () => {
    const dir = await tempDir('bmcemu-reg-');
    const store = new RegistryStore(join(dir, 'bmcs.json'));
    await store.update((r) => void r.bmcs.push(bmc('a', 6230)));
    await store.update((r) => void r.bmcs.push(bmc('b', 6231)));
    expect((await store.read()).bmcs.map((b) => b.node)).toEqual(['a', 'b']);
    expect(JSON.parse(await readFile(join(dir, 'bmcs.json.bak'), 'utf8')).bmcs).toHaveLength(1);
    expect((await stat(join(dir, 'bmcs.json'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a second BMC on a used endpoint, naming its owner, and writes nothing', async () => {
    const dir = await tempDir('bmcemu-reg-');
    const store = new RegistryStore(join(dir, 'bmcs.json'));
    await store.update((r) => void r.bmcs.push(bmc('a', 6230)));
    await expect(store.update((r) => void r.bmcs.push(bmc('b', 6230)))).rejects.toThrow("IPMI *:6230 is already a's");
    expect((await store.read()).bmcs).toHaveLength(1);
  });

  it('refuses a corrupt file with its path and line and leaves it (and the last good copy) alone', async () => {
    const dir = await tempDir('bmcemu-reg-');
    const path = join(dir, 'bmcs.json');
    const store = new RegistryStore(path);
    await store.update((r) => void r.bmcs.push(bmc('a', 6230)));
    await store.update((r) => void r.bmcs.push(bmc('b', 6231)));
    const good = await readFile(path, 'utf8');
    const broken = good.replace('"node": "b",', '"node": "b"');
    await writeFile(path, broken);
    const line = broken.split('\n').findIndex((l) => l.includes('"node": "b"')) + 2;
    await expect(store.read()).rejects.toThrow(`${path}:${line}: not valid JSON`);
    await expect(store.update((r) => void r.bmcs.pop())).rejects.toThrow(/not valid JSON/);
    expect(await readFile(path, 'utf8')).toBe(broken);
    expect(JSON.parse(await readFile(`${path}.bak`, 'utf8')).bmcs).toHaveLength(1);
    await writeFile(path, '{"version":1,"bmcs":[{"node":"a"}]}');
    await expect(store.read()).rejects.toThrow(`${path}: bmcs.0.ipmi:`);
  });

  it('two processes adding 25 BMCs each at once lose none', async () => {
    const dir = await tempDir('bmcemu-reg-');
    const path = join(dir, 'bmcs.json');
    const script = `
      import { RegistryStore } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const store = new RegistryStore(${JSON.stringify(path)});
      const base = Number(process.argv[1]);
      for (let i = 0; i < 25; i++) {
        await store.update((r) => void r.bmcs.push({ node: 'n' + (base + i), ipmi: { port: 7000 + base + i }, user: 'u', password: 'p', active: true }));
      }`;
    await Promise.all(
      [0, 100].map((base) => run(process.execPath, ['--input-type=module', '-e', script, String(base)])),
    );
    const nodes = (await new RegistryStore(path).read()).bmcs.map((b) => b.node);
    expect(nodes).toHaveLength(50);
    expect(new Set(nodes).size).toBe(50);
  });
});
