import { readFile, readdir, readlink, realpath } from 'node:fs/promises';

/**
 * How far a running process has read a file: the `pos` of its open descriptor on `path`
 * (/proc/<pid>/fdinfo). Undefined when the process has no such descriptor (not opened yet, closed, gone)
 * or /proc is not there. Used for `virsh vol-upload`, which reads the image itself: libvirt's own view of
 * the volume cannot tell, since vol-create-as allocates the whole volume up front.
 */
export async function readPosition(pid: number, path: string): Promise<number | undefined> {
  try {
    const want = await realpath(path);
    const dir = `/proc/${pid}/fd`;
    for (const fd of await readdir(dir)) {
      const target = await readlink(`${dir}/${fd}`).catch(() => '');
      if (target !== want) continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      const pos = /^pos:\s+(\d+)/m.exec(info)?.[1];
      if (pos !== undefined) return Number(pos);
    }
  } catch {
    // the process ended meanwhile, or there is no /proc
  }
  return undefined;
}
