import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRequestPath, TftpRefusal, TftpServer } from '../src/index.js';
import { RawPeer } from './raw-peer.js';

let base: string;
let root: string;
let server: TftpServer;
let peer: RawPeer;

/** Raw RRQ bytes so NULs and backslashes go on the wire exactly as written. */
function rrq(name: string, op = 1): Buffer {
  return Buffer.concat([Buffer.from([0, op]), Buffer.from(`${name}\0octet\0`, 'latin1')]);
}

const REFUSED: [string, string][] = [
  ['parent', '../secret.txt'],
  ['deep parent', '../../../../../../etc/passwd'],
  ['parent after a folder', 'sub/../../secret.txt'],
  ['parent via a file name', 'ok.txt/../../secret.txt'],
  ['dot then parent', '.././secret.txt'],
  ['dot segments', 'sub/./../../secret.txt'],
  ['bare parent', '..'],
  ['parent of a folder only', 'sub/../..'],
  ['fifty parents', `${'../'.repeat(50)}etc/passwd`],
  ['absolute', '/etc/passwd'],
  ['double-slash absolute', '//etc/passwd'],
  ['absolute into the root itself', '<root>/ok.txt'],
  ['backslash parent', '..\\secret.txt'],
  ['backslash deep', 'sub\\..\\..\\secret.txt'],
  ['backslash absolute', '\\etc\\passwd'],
  ['drive letter, backslashes', 'C:\\Windows\\system.ini'],
  ['drive letter, slashes', 'C:/secret.txt'],
  ['home', '~/secret.txt'],
  ['NUL inside the name', 'ok.txt\0../../etc/passwd'],
  ['NUL only', '\0'],
  ['newline', 'ok.txt\n../secret.txt'],
  ['symlink to a file outside', 'link-out'],
  ['symlink to a folder outside', 'dirlink/passwd'],
  ['symlink chain outside', 'sub/link-up/secret.txt'],
  ['too long', `sub/${'a'.repeat(2000)}`],
];

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'tftp-trav-'));
  root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(base, 'secret.txt'), 'SECRET');
  writeFileSync(join(root, 'ok.txt'), 'ok');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out'));
  symlinkSync('/etc', join(root, 'dirlink'));
  symlinkSync('../..', join(root, 'sub', 'link-up'));
  symlinkSync('ok.txt', join(root, 'inner-link'));
  server = new TftpServer({ bind: '127.0.0.1', port: 0, root, allowWrite: true, timeoutMs: 200, maxRetries: 1 });
  await server.start();
  peer = await RawPeer.open();
});
afterAll(async () => {
  peer?.close();
  await server?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('path traversal is refused with ERROR 2', () => {
  expect(REFUSED.length).toBeGreaterThanOrEqual(20);

  it.each(REFUSED)('RRQ %s', async (_label, name) => {
    peer.send(rrq(name.replace('<root>', root)), server.port);
    const r = await peer.next();
    expect(r?.packet).toMatchObject({ op: 'ERROR', code: 2 });
  });

  it.each(REFUSED.slice(0, 10))('WRQ %s (writes enabled)', async (_label, name) => {
    peer.send(rrq(name, 2), server.port);
    expect((await peer.next())?.packet).toMatchObject({ op: 'ERROR', code: 2 });
  });

  it('percent-encoding is not decoded: such names are just missing files (ERROR 1)', async () => {
    for (const name of ['..%2fsecret.txt', '%2e%2e/secret.txt', '....//....//etc/passwd']) {
      peer.send(rrq(name), server.port);
      expect((await peer.next())?.packet).toMatchObject({ op: 'ERROR', code: 1 });
    }
  });

  it('still serves names inside the root, including a symlink that stays inside', async () => {
    for (const name of ['ok.txt', './ok.txt', './/ok.txt', 'inner-link']) {
      peer.send(rrq(name), server.port);
      const r = await peer.next();
      expect(r?.packet).toMatchObject({ op: 'DATA', block: 1 });
      peer.send({ op: 'ACK', block: 1 }, r!.from.port);
    }
  });

  it('checkRequestPath refuses with a TftpRefusal and normalises good names', () => {
    expect(() => checkRequestPath('../x')).toThrow(TftpRefusal);
    expect(checkRequestPath('./a//b/./c')).toBe('a/b/c');
  });
});
