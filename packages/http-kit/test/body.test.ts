import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, mediaType, readBody, requireMediaType, sendAnswer } from '../src/index.js';

/** A server that reads each body with the kit and answers its length, or the kit's error status. */
let server: Server;
let port = 0;
let limit = 64;
const outcomes: Array<{ status: number; reason?: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req, { limit }).then(
      (b) => sendAnswer(req, res, { status: 200, contentType: 'text/plain', body: b.toString('hex') }),
      (err: HttpError) => {
        outcomes.push({ status: err.status, reason: err.reason });
        sendAnswer(req, res, { status: err.status, contentType: 'text/plain', body: err.message });
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** POST the chunks, chunked (no Content-Length) or with the true length. */
function post(chunks: Buffer[], chunked: boolean): Promise<{ status: number; body: string; close: boolean }> {
  return new Promise((resolve, reject) => {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(total) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, close: res.headers.connection === 'close' }));
      },
    );
    // the server may answer 413 and close before every chunk is written
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err),
    );
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readBody (bounded)', () => {
  it('reads a Content-Length body and a chunked body to the same bytes', async () => {
    limit = 64;
    const parts = [Buffer.from('abc'), Buffer.from(''), Buffer.from([0, 255, 10])];
    expect(await post(parts, false)).toMatchObject({ status: 200, body: '616263' + '00ff0a' });
    expect(await post(parts, true)).toMatchObject({ status: 200, body: '616263' + '00ff0a' });
  });

  it('refuses a declared length over the limit before reading, and closes the connection', async () => {
    limit = 8;
    const r = await post([Buffer.alloc(9, 1)], false);
    expect(r).toMatchObject({ status: 413, close: true });
    expect(r.body).toMatch(/larger than 8 bytes/);
  });

  it('any split and any limit: the whole body when it fits, else 413 (chunked and with a length)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 120 }),
        fc.boolean(),
        async (arrays, lim, chunked) => {
          limit = lim;
          const chunks = arrays.map((a) => Buffer.from(a));
          const all = Buffer.concat(chunks);
          const r = await post(chunks, chunked);
          if (all.length <= lim) expect(r).toMatchObject({ status: 200, body: all.toString('hex') });
          else expect(r.status).toBe(413);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a client that goes away mid-body ends the read with body-aborted, and the server keeps serving', async () => {
    limit = 1024;
    outcomes.length = 0;
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it');
        setTimeout(() => s.destroy(), 50);
      });
      s.on('close', () => resolve());
    });
    for (let i = 0; i < 50 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes).toEqual([{ status: 400, reason: 'body-aborted' }]);
    expect((await post([Buffer.from('ok')], false)).status).toBe(200);
  });
});

describe('mediaType / requireMediaType', () => {
  const withType = (t: string | undefined) =>
    ({ headers: t === undefined ? {} : { 'content-type': t } }) as IncomingMessage;
  it('reads the type without parameters, lower-cased', () => {
    expect(mediaType(withType('Application/JSON; charset=utf-8'))).toBe('application/json');
    expect(mediaType(withType(undefined))).toBeUndefined();
    expect(mediaType(withType(' ; x=1'))).toBeUndefined();
  });
  it('passes accepted types (and +json suffixes), refuses others with 415 listing the accepted types', () => {
    const accepted = ['application/json'];
    expect(() => requireMediaType(withType('application/json; charset=utf-8'), accepted)).not.toThrow();
    expect(() => requireMediaType(withType('application/merge-patch+json'), accepted)).not.toThrow();
    expect(() => requireMediaType(withType(undefined), accepted)).not.toThrow();
    expect(() => requireMediaType(withType(undefined), accepted, false)).toThrow(HttpError);
    for (const t of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data']) {
      try {
        requireMediaType(withType(t), accepted);
        expect.unreachable(t);
      } catch (err) {
        expect(err).toMatchObject({
          status: 415,
          reason: 'unsupported-media-type',
          headers: { Accept: 'application/json' },
        });
      }
    }
  });
  it('never throws anything but a 415 HttpError, whatever the header', () => {
    fc.assert(
      fc.property(fc.string(), (t) => {
        try {
          requireMediaType(withType(t), ['application/json']);
        } catch (err) {
          expect(err).toBeInstanceOf(HttpError);
          expect((err as HttpError).status).toBe(415);
        }
      }),
    );
  });
});
