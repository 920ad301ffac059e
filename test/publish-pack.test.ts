// Every package packs, its tarball installs into an empty folder without network (third-party packages come
// from the cache `npm ci` filled, pinned by a lockfile made from the repo's), and its README example runs there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineLock, type PackedWorkspace } from './support/offline-lock.js';
import { tempDirs } from './support/temp-dirs.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const makeTempDir = tempDirs();

const packageDirs = readdirSync(join(root, 'packages')).filter((d) => {
  try {
    readFileSync(join(root, 'packages', d, 'package.json'));
    return true;
  } catch {
    return false;
  }
});

/** The ```js block after `<!-- tested example -->`, and what its `// prints: ...` comment says it prints. */
export function readmeExample(readme: string): { code: string; prints: string[] } {
  const m = /<!-- tested example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!m?.[1]) throw new Error('README has no tested example');
  const prints = [...m[1].matchAll(/\/\/ prints: (.+)$/gm)].map((p) => p[1]!.trim());
  return { code: m[1], prints };
}

let dir = '';
const packed: PackedWorkspace[] = [];

beforeAll(async () => {
  dir = await makeTempDir('pack-check-');
  const tgz = join(dir, 'tgz');
  const app = join(dir, 'app');
  mkdirSync(tgz);
  mkdirSync(app);
  const out = execFileSync('npm', ['pack', '--workspaces', '--json', '--pack-destination', tgz], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const p of JSON.parse(out) as { name: string; filename: string }[]) {
    const d = packageDirs.find(
      (x) => JSON.parse(readFileSync(join(root, 'packages', x, 'package.json'), 'utf8')).name === p.name,
    );
    packed.push({
      name: p.name,
      dir: `packages/${d}`,
      spec: `file:../tgz/${p.filename}`,
      tarball: join(tgz, p.filename),
    });
  }
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, p.spec]));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'pack-check', private: true, type: 'module', dependencies }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(offlineLock(join(root, 'package-lock.json'), packed)));
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}, 240_000);

describe('npm pack of every package', () => {
  it('packs all of packages/*', () => {
    expect(packed.map((p) => p.dir).sort()).toEqual(packageDirs.map((d) => `packages/${d}`).sort());
  });

  it('installs without pino-pretty, an optional peer of core (so the README example logs JSON there)', () => {
    expect(existsSync(join(dir, 'app', 'node_modules', 'pino-pretty'))).toBe(false);
    expect(existsSync(join(dir, 'app', 'node_modules', 'pino'))).toBe(true);
  });

  for (const d of packageDirs) {
    it(`${d}: every source and declaration map points at a file the tarball ships`, () => {
      const pkg = packed.find((p) => p.dir === `packages/${d}`)!;
      const installed = join(dir, 'app', 'node_modules', pkg.name);
      const maps = (readdirSync(installed, { recursive: true }) as string[]).filter((f) => f.endsWith('.map'));
      expect(maps.length).toBeGreaterThan(0);
      const missing = maps.flatMap((m) => {
        const at = dirname(join(installed, m));
        const { sources } = JSON.parse(readFileSync(join(installed, m), 'utf8')) as { sources: string[] };
        return sources.filter((s) => !existsSync(resolve(at, s))).map((s) => `${m} -> ${s}`);
      });
      expect(missing).toEqual([]);
    });

    it(`${d}: the installed tarball runs its README example`, () => {
      const { code, prints } = readmeExample(readFileSync(join(root, 'packages', d, 'README.md'), 'utf8'));
      expect(prints.length).toBeGreaterThan(0);
      const file = join(dir, 'app', `example-${d}.mjs`);
      writeFileSync(file, code);
      const stdout = execFileSync('node', [file], { cwd: join(dir, 'app'), encoding: 'utf8', timeout: 30_000 });
      for (const line of prints) expect(stdout).toContain(line);
    });
  }
});
