/**
 * A package-lock for a folder that installs packed workspace tarballs, built from the repo's own lockfile:
 * `npm ci --offline` then takes every third-party package from the cache `npm ci` filled (by integrity),
 * with no registry metadata and no network.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface PackedWorkspace {
  name: string;
  /** the workspace folder, relative to the repo root: packages/core */
  dir: string;
  /** the tarball path as the install folder's package.json names it: file:../tgz/x.tgz */
  spec: string;
  tarball: string;
}

export function offlineLock(repoLockPath: string, packed: PackedWorkspace[]): Record<string, unknown> {
  const repo = (JSON.parse(readFileSync(repoLockPath, 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const byName = new Map(packed.map((p) => [p.name, p]));
  const out: Record<string, LockEntry> = {};
  const rootDeps = Object.fromEntries(packed.map((p) => [p.name, p.spec]));
  out[''] = { name: 'pack-check', dependencies: rootDeps };

  // a workspace folder (packages/x) and what is nested below it sit at node_modules/@bmc-emu/x in the install
  const outPathOf = (repoPath: string): string => {
    const ws = packed.find((p) => repoPath === p.dir || repoPath.startsWith(`${p.dir}/`));
    return ws ? `node_modules/${ws.name}${repoPath.slice(ws.dir.length)}` : repoPath;
  };
  const visit = (repoPath: string): void => {
    const outPath = outPathOf(repoPath);
    if (out[outPath]) return;
    const ws = [...byName.values()].find((p) => p.dir === repoPath);
    const entry = repo[repoPath];
    if (!entry) throw new Error(`offlineLock: ${repoPath} is not in the lockfile`);
    if (ws) {
      const integrity = `sha512-${createHash('sha512').update(readFileSync(ws.tarball)).digest('base64')}`;
      const { devDependencies: _dev, ...published } = entry;
      out[outPath] = { ...published, resolved: ws.spec.slice('file:'.length), integrity };
    } else {
      // dev/peer flags in the repo lock describe the repo's root, not this folder's
      const { dev: _d, devOptional: _o, peer: _p, ...rest } = entry;
      out[outPath] = rest;
    }
    const wanted: Record<string, string> = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peer, range] of Object.entries(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[peer]?.optional) wanted[peer] = range;
    }
    for (const dep of Object.keys(wanted)) {
      const found = resolveFrom(repo, repoPath, dep, byName);
      if (!found) {
        if (entry.optionalDependencies?.[dep]) continue;
        throw new Error(`offlineLock: ${dep} (needed by ${repoPath}) is not in the lockfile`);
      }
      visit(found);
    }
  };
  for (const p of packed) visit(p.dir);
  return { name: 'pack-check', lockfileVersion: 3, requires: true, packages: out };
}

/** node's lookup: the nearest node_modules/<dep> going up from the package's own folder. */
function resolveFrom(
  repo: Record<string, LockEntry>,
  from: string,
  dep: string,
  workspaces: Map<string, PackedWorkspace>,
): string | undefined {
  const ws = workspaces.get(dep);
  if (ws) return ws.dir;
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    if (repo[candidate] && !repo[candidate].link) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}
