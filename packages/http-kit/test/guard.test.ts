import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardListener } from '../src/index.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: Parameters<typeof guardListener>[0], report: (e: unknown) => void) {
  server = createServer(
    guardListener(handler, {
      report,
      answer: () => ({ status: 500, contentType: 'text/plain', body: 'crashed\n' }),
    }),
  );
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function fetchOnce(port: number): Promise<{ status: number; body: string } | 'reset'> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve('reset'));
    }).on('error', () => resolve('reset'));
  });
}

describe('guardListener', () => {
  it('answers the front end 500 for a rejection and for a synchronous throw, and reports each', async () => {
    const seen: unknown[] = [];
    let n = 0;
    const port = await serve(
      async () => {
        n++;
        if (n === 1) throw new Error('async boom');
        return Promise.reject(new Error('rejected'));
      },
      (e) => seen.push(e),
    );
    expect(await fetchOnce(port)).toEqual({ status: 500, body: 'crashed\n' });
    expect(await fetchOnce(port)).toEqual({ status: 500, body: 'crashed\n' });
    expect(seen.map((e) => (e as Error).message)).toEqual(['async boom', 'rejected']);
  });

  it('cuts the connection when the answer had started, and survives a reporter that throws', async () => {
    const port = await serve(
      async (_req, res) => {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('partial');
        throw new Error('mid-answer');
      },
      () => {
        throw new Error('logger down');
      },
    );
    const r = await fetchOnce(port);
    expect(r === 'reset' || (r.status === 200 && r.body.length < 100)).toBe(true);
    // still serving
    expect(await fetchOnce(port)).not.toBe(undefined);
  });
});
