/** A state-file path whose folder is a regular file, so every write fails for real (mkdir: ENOTDIR/EEXIST). */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function blockedPath(
  dir: string,
  name = 'file.json',
): Promise<{ path: string; unblock: () => Promise<void> }> {
  const folder = join(dir, 'state');
  await writeFile(folder, 'not a folder');
  return {
    path: join(folder, name),
    unblock: async () => {
      await rm(folder);
      await mkdir(folder);
    },
  };
}
