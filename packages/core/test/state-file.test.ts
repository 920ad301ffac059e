import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoNodes, MemoryDriver, StateFile } from '../src/index.js';
import { blockedPath as blocked } from '../../../test/support/blocked-path.js';
import { logCapture } from '../../../test/support/log-capture.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();

async function blockedPath(): Promise<{ path: string; unblock: () => Promise<void> }> {
  return blocked(await tempDir('bmcemu-state-'));
}

describe('StateFile', () => {
  it('writes the latest state, once more after the write in flight however many changes came', async () => {
    const dir = await tempDir('bmcemu-state-');
    const path = join(dir, 'sub', 'n.json');
    const f = new StateFile({ path, mode: 0o600, logger: logCapture().logger });
    let renders = 0;
    for (let i = 0; i < 100; i++) {
      f.save(() => {
        renders++;
        return JSON.stringify({ i });
      });
    }
    await f.flush();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ i: 99 });
    expect(renders).toBe(2);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await f.flush();
    expect(renders).toBe(2);
  });

  it('logs a failed write with the path, retries it on the next change, and says when it is written again', async () => {
    const { path, unblock } = await blockedPath();
    const { logger, lines } = logCapture();
    const f = new StateFile({ path, logger, what: 'test state' });
    f.save(() => 'one');
    await f.flush();
    expect(f.failing).toBe(true);
    const failures = lines.filter((l) => l.level === 50);
    // the write, then flush()'s one more try
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ path, what: 'test state' });
    expect(String(failures[0]!.msg)).toBe(`could not write test state to ${path}; retrying on the next change`);
    expect((failures[0]!.err as { code?: string }).code).toMatch(/^(ENOTDIR|EEXIST)$/);

    await unblock();
    f.save(() => 'two');
    await f.flush();
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(f.failing).toBe(false);
    expect(lines.at(-1)).toMatchObject({ level: 30, path, msg: 'state file written again' });
    expect(lines.filter((l) => l.level === 50)).toHaveLength(2);
  });

  it('flush() alone retries a failed write once the disk is back', async () => {
    const { path, unblock } = await blockedPath();
    const f = new StateFile({ path, logger: logCapture().logger });
    f.save(() => 'kept');
    await f.flush();
    await unblock();
    await f.flush();
    expect(await readFile(path, 'utf8')).toBe('kept');
  });
});

describe('MemoryDriver state file', () => {
  it('logs a failed write with the path and writes the nodes on the next change', async () => {
    const { path, unblock } = await blockedPath();
    const { logger, lines } = logCapture();
    const d = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0, stateFile: path, logger });
    const [node] = await d.list();
    await d.setBootOverride(node!.id, { target: 'Pxe', enabled: 'Once' });
    await d.flush();
    expect(lines.find((l) => l.level === 50)).toMatchObject({ path, what: 'memory driver nodes' });
    await unblock();
    await d.setBootOverride(node!.id, { target: 'Hdd', enabled: 'Continuous' });
    await d.close();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { nodes: Array<{ boot: { target: string } }> };
    expect(saved.nodes[0]?.boot.target).toBe('Hdd');
  });
});
