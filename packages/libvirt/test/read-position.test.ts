import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPosition } from '../src/read-position.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bmcemu-readpos-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readPosition (/proc fdinfo of another process)', () => {
  it('follows a process reading a file, and is undefined for a file it does not hold', async () => {
    const file = join(dir, 'image.bin');
    await writeFile(file, Buffer.alloc(4096, 1));
    // reads 1000 bytes, then waits with the file still open
    const child = spawn('sh', ['-c', `exec 3<"$1"; dd bs=1000 count=1 <&3 >/dev/null 2>&1; sleep 5`, 'sh', file], {
      stdio: 'ignore',
    });
    try {
      let pos: number | undefined;
      const deadline = Date.now() + 5_000;
      while (pos !== 1000 && Date.now() < deadline) {
        pos = await readPosition(child.pid!, file);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(pos).toBe(1000);
      expect(await readPosition(child.pid!, join(dir, 'other.bin'))).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
    expect(await readPosition(2 ** 22 + 12345, file)).toBeUndefined();
  });
});
