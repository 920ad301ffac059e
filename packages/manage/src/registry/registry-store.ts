import { copyFile, readFile } from 'node:fs/promises';
import { BmcEmuError, ErrorCode, writeFileAtomic } from '@bmc-emu/core';
import type { BmcRecord } from '../bmc-record.js';
import { withFileLock } from './file-lock.js';
import { emptyRegistry, type RegistryFile, registryFileSchema } from './schema.js';

/** Line and column of a JSON.parse error position, for an error a person can act on. */
function lineOf(text: string, message: string): number | undefined {
  const pos = /position (\d+)/.exec(message);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  const line = /line (\d+)/.exec(message);
  return line ? Number(line[1]) : undefined;
}

export async function readRegistry(path: string): Promise<RegistryFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const line = lineOf(text, (err as Error).message);
    throw new BmcEmuError(
      ErrorCode.ConfigInvalid,
      `${path}${line ? `:${line}` : ''}: not valid JSON (${(err as Error).message}). It was left as it is; the last good copy is ${path}.bak`,
      { path, line },
    );
  }
  const parsed = registryFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BmcEmuError(
      ErrorCode.ConfigInvalid,
      `${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}. It was left as it is; the last good copy is ${path}.bak`,
      { path, key: issue.path.join('.') },
    );
  }
  return parsed.data;
}

/**
 * Refuses a registry two of whose BMCs would share a node or an IPMI endpoint. A BMC without an address
 * binds the server's bind address, which may be any of them, so it clashes with every BMC on its port.
 */
export function checkRegistry(reg: RegistryFile): void {
  const nodes = new Set<string>();
  const byPort = new Map<number, BmcRecord[]>();
  for (const b of reg.bmcs) {
    if (nodes.has(b.node)) throw new BmcEmuError(ErrorCode.Conflict, `BMC ${b.node} is listed twice`, { node: b.node });
    nodes.add(b.node);
    const same = byPort.get(b.ipmi.port) ?? [];
    const other = same.find(
      (o) => o.ipmi.address === undefined || b.ipmi.address === undefined || o.ipmi.address === b.ipmi.address,
    );
    if (other) {
      throw new BmcEmuError(
        ErrorCode.Conflict,
        `IPMI ${endpointKey(b)} is already ${other.node}'s (${endpointKey(other)}); choose another --port`,
        {
          node: b.node,
          owner: other.node,
        },
      );
    }
    byPort.set(b.ipmi.port, [...same, b]);
  }
}

export const endpointKey = (b: Pick<BmcRecord, 'ipmi'>): string => `${b.ipmi.address ?? '*'}:${b.ipmi.port}`;

/**
 * The BMC registry file (`<stateDir>/bmcs.json`): read, changed under a lock, written atomically, the
 * previous good version kept as `.bak`. Used directly by the CLI when no server runs, and by the server.
 */
export class RegistryStore {
  constructor(readonly path: string) {}

  read(): Promise<RegistryFile> {
    return readRegistry(this.path);
  }

  /** Read-modify-write under the lock; `change` may throw to refuse, and then nothing is written. */
  update(change: (reg: RegistryFile) => RegistryFile | void): Promise<RegistryFile> {
    return withFileLock(`${this.path}.lock`, async () => {
      const current = await readRegistry(this.path);
      const next = structuredClone(current);
      const out = change(next) ?? next;
      checkRegistry(out);
      const parsed = registryFileSchema.parse(out);
      await copyFile(this.path, `${this.path}.bak`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      // Passwords live here (IPMI needs them in clear for RAKP): owner-only.
      await writeFileAtomic(this.path, `${JSON.stringify(parsed, null, 2)}\n`, 0o600);
      return parsed;
    });
  }
}
