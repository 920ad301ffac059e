/** boot-http on the shared HTTP kit: parser-refused requests and cut-off uploads get plain-text answers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, MemoryDriver } from '@bmc-emu/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootHttpServer } from '../src/index.js';

let dir: string;
let server: BootHttpServer;
let driver: MemoryDriver;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bmcemu-bhkit-'));
  driver = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0 });
  server = new BootHttpServer({ driver, host: '127.0.0.1', port: 0, root: dir });
  await server.start();
});
afterAll(async () => {
  await server?.stop();
  await driver?.close();
  rmSync(dir, { recursive: true, force: true });
});

function raw(bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.setTimeout(5000, () => s.destroy());
  });
}

describe('boot-http parser-refused requests', () => {
  it('an unknown method is 501 with a plain-text reason', async () => {
    const out = await raw('FAKEMETHOD /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
    expect(out).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    expect(out).toMatch(/\r\n\r\nThe HTTP method is not supported by this service\.\n$/);
  });

  it('Content-Length: -1 and header junk are 400 with a reason, and the server keeps serving', async () => {
    expect(await raw('POST /introspection HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 .*\r\n\r\nThe Content-Length header is not a valid length\.\n$/s,
    );
    expect(await raw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX: \x01\x7f\r\n\r\n', 'latin1'))).toMatch(
      /^HTTP\/1\.1 400 .*\r\n\r\n.+\n$/s,
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('an introspection upload cut off mid-body does not stop the server', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () => {
        s.write('POST /introspection HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"network":');
        setTimeout(() => s.destroy(), 50);
      });
      s.on('close', () => resolve());
    });
    expect(await (await fetch(`${server.url}/healthz`)).text()).toBe('ok\n');
  });
});
