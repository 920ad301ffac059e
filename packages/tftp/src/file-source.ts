/** Where read requests find their bytes: the root folder first, then the provider function. */
import type { Readable } from 'node:stream';
import { type OpenedFile, openInRoot } from './path-guard.js';

export interface TftpClientInfo {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/**
 * Supplies a file for a read request. `path` has already passed the traversal checks and is relative
 * ("ipxe/snponly.efi"). Return undefined for "not found"; `size` lets the server answer tsize.
 */
export type TftpFileProvider = (path: string, client: TftpClientInfo) => Promise<TftpFile | undefined>;

export interface TftpFile {
  size?: number;
  stream: Readable;
  /**
   * Optional: an open descriptor of a regular file holding these same bytes from offset 0. With it the
   * native engine preads the file instead of reading `stream`; either way the server ends by destroying
   * `stream`, which must then close this descriptor (as fs streams over a FileHandle do).
   */
  fd?: number;
}

/** A provider serving the regular files under `dir` (symlinks out of it refused), e.g. /usr/lib/ipxe. */
export function directoryProvider(dir: string): TftpFileProvider {
  return (path) => openInRoot(dir, path);
}

/** The first provider that has the file wins. */
export function chainProviders(...providers: TftpFileProvider[]): TftpFileProvider {
  return async (path, client) => {
    for (const p of providers) {
      const f = await p(path, client);
      if (f) return f;
    }
    return undefined;
  };
}

export type { OpenedFile };
