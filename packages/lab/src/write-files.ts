import { join } from 'node:path';
import { writeFileAtomic } from '@bmc-emu/core';

/** Write each file atomically; callers validate first, so a refused lab leaves no file at all. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    const secret = rel === 'install-config.yaml' || rel === 'nodes.json' || rel.startsWith('manifests/');
    await writeFileAtomic(path, content, secret ? 0o600 : 0o644);
    written.push(path);
  }
  return written;
}
