import { stat } from 'node:fs/promises';
import { errors } from './errors.js';

/** A `{ kind: 'path' }` media source must name a regular file: a MediaError naming the path otherwise. */
export async function checkMediaFile(path: string): Promise<void> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw errors.media('not a regular file');
  } catch (err) {
    throw errors.media(`Cannot attach ${path}: ${(err as Error).message}.`, { path }, err);
  }
}
