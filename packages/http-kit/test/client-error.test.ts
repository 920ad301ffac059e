import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerParserErrors, rawAnswer, refusalOf } from '../src/index.js';

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((_req, res) => res.end('fine'));
  answerParserErrors(server, (r) => ({
    contentType: 'application/json',
    body: JSON.stringify({ status: r.status, code: r.code, message: r.message }),
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Sends bytes on a raw socket and returns everything the server wrote before closing. */
export function rawExchange(p: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(p, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.setTimeout(3000, () => s.destroy());
  });
}

function parse(out: string) {
  const [head, body] = out.split('\r\n\r\n', 2) as [string, string];
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine!.split(' ')[1]), headers, body };
}

describe('answerParserErrors (raw sockets)', () => {
  it('an unknown method is 501 in the front end format, then the connection closes', async () => {
    const r = parse(await rawExchange(port, 'FAKEMETHOD /redfish/v1/ HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(r.status).toBe(501);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toMatchObject({ status: 501, code: 'HPE_INVALID_METHOD' });
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
  });

  it('raw bytes in a header and Content-Length: -1 are 400 with a body', async () => {
    const bad = parse(
      await rawExchange(
        port,
        Buffer.concat([
          Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a'),
          Buffer.from([0x01, 0x7f]),
          Buffer.from('\r\n\r\n'),
        ]),
      ),
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).code).toMatch(/^HPE_/);
    const neg = parse(await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'));
    expect(neg).toMatchObject({ status: 400 });
    expect(JSON.parse(neg.body).code).toBe('HPE_INVALID_CONTENT_LENGTH');
  });

  it('an oversized header block is 431', async () => {
    const r = parse(await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(r.status).toBe(431);
  });

  it('garbage of any shape gets a well-formed answer or a normal one, and the server keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (junk) => {
        const out = await rawExchange(port, Buffer.concat([Buffer.from(junk), Buffer.from('\r\n\r\n')]));
        if (out !== '') expect(out).toMatch(/^HTTP\/1\.1 \d{3} /);
      }),
      { numRuns: 40 },
    );
    expect(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/fine$/);
  });

  it('rawAnswer keeps header values on one line and counts body bytes', () => {
    const a = rawAnswer(400, { contentType: 'text/plain', body: 'é\n', headers: { X: 'a\r\nInjected: 1' } });
    expect(a).toContain('X: a  Injected: 1\r\n');
    expect(a).toContain('Content-Length: 3\r\n');
    expect(refusalOf(undefined).status).toBe(400);
  });
});
