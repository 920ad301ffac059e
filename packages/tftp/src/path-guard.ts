/**
 * What a client may name: a relative path inside the served root, nothing else.
 * Lexical checks first (no NUL, backslash, control characters, absolute paths, drive letters or `..`),
 * then the resolved real path must still lie inside the real root, so symlinks cannot lead out.
 */
import { constants, promises as fsp } from 'node:fs';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { refuse } from './tftp-error.js';

const MAX_PATH = 1024;

/** Returns the normalised relative path ("a/b") or throws a TftpRefusal (ERROR 2). */
export function checkRequestPath(name: string): string {
  if (name.length === 0 || name.length > MAX_PATH) throw refuse.access('Bad file name');
  if (name.includes('\0')) throw refuse.access('NUL in file name');
  if (name.includes('\\')) throw refuse.access('Backslash in file name');
  // control characters are what this pattern looks for: refusing control characters is the point
  if (/[\x00-\x1f\x7f]/.test(name)) throw refuse.access('Control character in file name');
  if (name.startsWith('/')) throw refuse.access('Absolute paths are not served');
  if (/^[A-Za-z]:/.test(name) || name.startsWith('~')) throw refuse.access('Absolute paths are not served');
  const parts: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw refuse.access('Parent directory references are not served');
    parts.push(seg);
  }
  if (parts.length === 0) throw refuse.access('Bad file name');
  return parts.join('/');
}

export interface OpenedFile {
  /** Size in bytes when known (lets the server answer tsize). */
  size?: number;
  stream: Readable;
  /** The open file under `stream` (the native engine preads it); destroying `stream` closes it. */
  fd?: number;
}

const realRoots = new Map<string, string>();

async function realRoot(root: string): Promise<string> {
  let r = realRoots.get(root);
  if (r === undefined) {
    r = await fsp.realpath(root);
    realRoots.set(root, r);
  }
  return r;
}

/** Where `relative` (already checked) really lives under `root`; refuses paths that resolve outside it. */
export async function resolveInRoot(root: string, relative: string): Promise<string> {
  const base = await realRoot(root);
  const real = await fsp.realpath(join(base, relative));
  if (real !== base && !real.startsWith(base.endsWith(sep) ? base : base + sep)) {
    throw refuse.access('Path leads outside the served folder');
  }
  return real;
}

/** Open a regular file under `root` for streaming; undefined when it does not exist. */
export async function openInRoot(
  root: string,
  relative: string,
  highWaterMark = 256 * 1024,
): Promise<OpenedFile | undefined> {
  let real: string;
  try {
    real = await resolveInRoot(root, relative);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return undefined;
    }
    throw err;
  }
  // O_NOFOLLOW: the real path has no symlinks; refuse one swapped in since realpath()
  const fh = await fsp.open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      return undefined;
    }
    return { size: st.size, stream: fh.createReadStream({ highWaterMark, autoClose: true }), fd: fh.fd };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
