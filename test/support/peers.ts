/**
 * Real peers gate real-peer tests: a missing peer skips loudly locally and FAILS under CI=true.
 *
 *   const sushy = requirePeers('redfish sushy', [pythonModule('sushy'), command('redfishtool')]);
 *   sushy.describe('sushy against our server', () => { ... });
 */
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** Debian's python, where python3-sushy/pyghmi/ironic import (python3 on PATH may be pyenv's). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface PeerCheck {
  name: string;
  ok: boolean;
  hint: string;
}

export function command(cmd: string, pkg = cmd): PeerCheck {
  let ok = false;
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    ok = true;
  } catch {}
  return { name: cmd, ok, hint: `apt-get install ${pkg}` };
}

export function pythonModule(mod: string, pkg = `python3-${mod}`): PeerCheck {
  let ok = false;
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' });
    ok = true;
  } catch {}
  return { name: `python:${mod}`, ok, hint: `apt-get install ${pkg}` };
}

export function fileExists(path: string, pkg: string): PeerCheck {
  let ok = false;
  try {
    execFileSync('test', ['-e', path], { stdio: 'ignore' });
    ok = true;
  } catch {}
  return { name: path, ok, hint: `apt-get install ${pkg}` };
}

export function root(): PeerCheck {
  return { name: 'root', ok: process.getuid?.() === 0, hint: 'run as root (network namespaces, libvirtd)' };
}

export interface PeerGate {
  ok: boolean;
  missing: PeerCheck[];
  describe: (name: string, fn: () => void) => void;
}

export function requirePeers(label: string, checks: PeerCheck[]): PeerGate {
  const missing = checks.filter((c) => !c.ok);
  const ok = missing.length === 0;
  const why = missing.map((m) => `${m.name} (${m.hint})`).join(', ');
  const gated = (name: string, fn: () => void) => {
    if (ok) {
      describe(name, fn);
    } else if (IN_CI) {
      describe(name, () => {
        it(`needs real peers for ${label}`, () => {
          throw new Error(`CI=true and peers are missing for ${label}: ${why}. .ci/run must install them.`);
        });
      });
    } else {
      console.warn(`\n*** SKIPPING "${name}": missing real peers for ${label}: ${why} ***\n`);
      describe.skip(name, fn);
    }
  };
  return { ok, missing, describe: gated };
}
