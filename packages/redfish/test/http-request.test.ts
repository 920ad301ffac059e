import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRequest } from '../src/http-request.js';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

const BASIC = `Basic ${Buffer.from(ADMIN.join(':')).toString('base64')}`;
const fake = (url: string | undefined) => ({ url }) as IncomingMessage;

describe('prepareRequest (request-target -> path, query)', () => {
  it('splits origin-form targets, keeps the path raw and parses repeated keys', () => {
    const r = prepareRequest(fake('/redfish/v1/Systems/a%2Fb?$select=Id,Name&only&x=1&x=2'));
    expect(r.path).toBe('/redfish/v1/Systems/a%2Fb');
    expect(r.originalUrl).toBe('/redfish/v1/Systems/a%2Fb?$select=Id,Name&only&x=1&x=2');
    expect(r.query).toEqual({ $select: 'Id,Name', only: '', x: ['1', '2'] });
    expect(prepareRequest(fake('/redfish/v1')).query).toEqual({});
    expect(prepareRequest(fake(undefined)).path).toBe('/');
  });

  it('takes the path of an absolute-form target', () => {
    expect(prepareRequest(fake('http://bmc.example:8000/redfish/v1/Systems?$top=1')).path).toBe('/redfish/v1/Systems');
    expect(prepareRequest(fake('*')).path).toBe('*');
  });

  it('never throws, and path + query always come from the target', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (url) => {
        const r = prepareRequest(fake(url));
        expect(typeof r.path).toBe('string');
        expect(typeof r.query).toBe('object');
        if (url.startsWith('/')) expect(url.startsWith(r.path)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the request listener on a real socket', () => {
  let h: AppHarness;
  let port = 0;
  let close: () => Promise<void>;
  beforeAll(async () => {
    h = await appHarness();
    const { createServer } = await import('node:http');
    const server = createServer(h.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    close = () => new Promise((r) => server.close(() => r()));
  });
  afterAll(async () => {
    await close();
    await h.close();
  });

  const raw = (method: string, path: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers: { Authorization: BASIC } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('HEAD answers the GET headers (ETag, Content-Length) without a body', async () => {
    const get = await raw('GET', '/redfish/v1/Systems');
    const head = await raw('HEAD', '/redfish/v1/Systems');
    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(JSON.parse(get.body)['@odata.etag']).toBe(get.headers.etag);
  });

  it('an absolute-form target is served like its path', async () => {
    const r = await raw('GET', `http://127.0.0.1:${port}/redfish/v1/Systems`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)['@odata.id']).toBe('/redfish/v1/Systems');
  });
});

describe('a request that fails outside the dispatcher', () => {
  it('is logged and answered (or its socket closed), never an unhandled rejection; the service keeps serving', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Writable } = await import('node:stream');
    const { pino } = await import('pino');
    const { demoNodes, MemoryDriver, sharedSettings } = await import('@bmc-emu/core');
    const { createRedfishApp, redfishSection } = await import('@bmc-emu/redfish');
    const supertest = (await import('supertest')).default;
    const dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfcrash-'));
    const lines: string[] = [];
    // debug (level 20) throws: the per-request debug line runs after the answer, outside the dispatcher's try
    const logger = pino(
      {
        level: 'debug',
        hooks: {
          logMethod(args, method, level) {
            if (level === 20) throw new Error('debug sink broke');
            return method.apply(this, args);
          },
        },
      },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const driver = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0 });
    const app = createRedfishApp({
      driver,
      settings: redfishSection.parse({ tls: false, port: 0 }),
      shared: sharedSettings({ stateDir: join(dir, 'state') }),
      logger,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await supertest(app).get('/redfish/v1').expect(200);
        expect(r.body.Id).toBe('RootService');
      }
      await new Promise((r) => setImmediate(r));
      expect(lines.filter((l) => l.includes('redfish request crashed')).length).toBe(3);
    } finally {
      app.shutdown();
      await driver.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
