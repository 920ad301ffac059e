/** Issue #15 conformance and hygiene: root links, UpdateService, parser-refused requests, 401 wording, 415. */
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_MESSAGES } from '../src/codec/messages.js';
import { basic, type Harness, startHarness } from './harness.js';

let h: Harness;
let tlsH: Harness;
beforeAll(async () => {
  h = await startHarness({ tls: false });
  tlsH = await startHarness({ tls: true });
});
afterAll(async () => {
  await h?.close();
  await tlsH?.close();
});

const ADMIN = basic();
async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${h.base}${path}`, {
    method,
    headers: { Authorization: ADMIN, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: text ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A Redfish error body: code and every MessageId from our Base registry. */
function expectRedfishErrorJson(text: string): { code: string; message: string } {
  const body = JSON.parse(text) as { error: { code: string; message: string; '@Message.ExtendedInfo': unknown[] } };
  expect(body.error.code).toMatch(/^Base\.1\.16\.0\./);
  expect(Object.keys(BASE_MESSAGES)).toContain(body.error.code.split('.').pop());
  expect(body.error['@Message.ExtendedInfo'].length).toBeGreaterThan(0);
  return body.error;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseRaw(out: string): RawAnswer {
  const at = out.indexOf('\r\n\r\n');
  expect(at, `no HTTP answer in ${JSON.stringify(out.slice(0, 200))}`).toBeGreaterThan(0);
  const [statusLine, ...lines] = out.slice(0, at).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine!.split(' ')[1]), headers, body: out.slice(at + 4) };
}

/** Writes bytes on a fresh (TLS or plain) socket; resolves with all the server wrote before closing. */
function raw(bytes: Buffer | string, tls = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(tls ? tlsH.url : h.url);
    const s = tls
      ? tlsConnect({ host: '127.0.0.1', port: Number(target.port), rejectUnauthorized: false }, () => s.write(bytes))
      : tcpConnect(Number(target.port), '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(parseRaw(out)));
    s.setTimeout(5000, () => s.destroy());
  });
}

describe('service root and UpdateService (schema conformance)', () => {
  it('links the TaskService as Tasks (ServiceRoot_v1 navigation property), not TaskService', async () => {
    const root = (await call('GET', '/redfish/v1/')).json;
    expect(root.Tasks).toEqual({ '@odata.id': '/redfish/v1/TaskService' });
    expect(root).not.toHaveProperty('TaskService');
    const odata = (await call('GET', '/redfish/v1/odata')).json;
    expect(odata.value).toContainEqual({ name: 'Tasks', kind: 'Singleton', url: '/redfish/v1/TaskService' });
    expect((await call('GET', root.Tasks['@odata.id'])).json.Tasks).toEqual({
      '@odata.id': '/redfish/v1/TaskService/Tasks',
    });
  });

  it('UpdateService sends no HttpPushUri (the schema does not allow null; no push endpoint exists)', async () => {
    const us = (await call('GET', '/redfish/v1/UpdateService')).json;
    expect(us).not.toHaveProperty('HttpPushUri');
    expect(Object.values(us)).not.toContain(null);
  });
});

describe('requests node parser refuses get Redfish error JSON (raw sockets)', () => {
  for (const tls of [false, true]) {
    const proto = tls ? 'https' : 'http';
    it(`${proto}: an unknown method is 501 with a Redfish error body`, async () => {
      const r = await raw('FAKEMETHOD /redfish/v1/ HTTP/1.1\r\nHost: x\r\n\r\n', tls);
      expect(r.status).toBe(501);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.headers['odata-version']).toBe('4.0');
      expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body, 'latin1'));
      expect(expectRedfishErrorJson(r.body).code).toBe('Base.1.16.0.OperationNotAllowed');
    });

    it(`${proto}: raw bytes in a header and Content-Length: -1 are 400 with a Redfish error body`, async () => {
      const bytes = Buffer.concat([
        Buffer.from('GET /redfish/v1/ HTTP/1.1\r\nHost: x\r\nX-Junk: a'),
        Buffer.from([0x00, 0x01, 0x7f]),
        Buffer.from('b\r\n\r\n'),
      ]);
      const junk = await raw(bytes, tls);
      expect(junk.status).toBe(400);
      expectRedfishErrorJson(junk.body);
      const neg = await raw(
        'PATCH /redfish/v1/Systems/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}',
        tls,
      );
      expect(neg.status).toBe(400);
      expect(expectRedfishErrorJson(neg.body).message).toMatch(/Content-Length/);
    });
  }

  it('an oversized header block is 431 with a Redfish error body, and the service keeps serving', async () => {
    const r = await raw(`GET /redfish/v1/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expectRedfishErrorJson(r.body);
    expect((await call('GET', '/redfish/v1/')).status).toBe(200);
  });

  it('a method node knows but no route has is 405 with Allow (the router answers it)', async () => {
    const r = await raw(
      `PURGE /redfish/v1/Systems HTTP/1.1\r\nHost: x\r\nAuthorization: ${ADMIN}\r\nConnection: close\r\n\r\n`,
    );
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
    expectRedfishErrorJson(r.body);
  });
});

describe('401 and 415', () => {
  it('a refused login is worded without credential words', async () => {
    const r = await call(
      'POST',
      '/redfish/v1/SessionService/Sessions',
      JSON.stringify({ UserName: 'admin', Password: 'nope' }),
      {
        'Content-Type': 'application/json',
        Authorization: '',
      },
    );
    expect(r.status).toBe(401);
    const e = expectRedfishErrorJson(r.text);
    expect(e.code).toBe('Base.1.16.0.NoValidSession');
    expect(r.text).not.toMatch(/password|user ?name|nope/i);
    const basicFail = await call('GET', '/redfish/v1/Systems', undefined, {
      Authorization: basic('admin', 'password1'),
    });
    expect(basicFail.status).toBe(401);
    expect(basicFail.text).not.toMatch(/password/i);
  });

  it('PATCH and POST sent as text/plain (or a form) are 415, list the accepted type and change nothing', async () => {
    const sys = `/redfish/v1/Systems/${h.node.id}`;
    const before = await h.driver.getBootOverride(h.node.id);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/plain; charset=utf-8']) {
      const patch = await call(
        'PATCH',
        sys,
        JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } }),
        {
          'Content-Type': type,
        },
      );
      expect(patch.status, type).toBe(415);
      expect(patch.headers.get('accept')).toBe('application/json');
      const e = expectRedfishErrorJson(patch.text);
      expect(e.code).toBe('Base.1.16.0.UnsupportedMediaType');
      expect(e.message).toMatch(/application\/json/);
      const post = await call(
        'POST',
        '/redfish/v1/AccountService/Accounts',
        JSON.stringify({ UserName: 'plain', Password: 'x1', RoleId: 'ReadOnly' }),
        {
          'Content-Type': type,
        },
      );
      expect(post.status, type).toBe(415);
    }
    expect(await h.driver.getBootOverride(h.node.id)).toEqual(before);
    const accounts = (await call('GET', '/redfish/v1/AccountService/Accounts?$expand=.')).json;
    expect(JSON.stringify(accounts)).not.toContain('"plain"');
    // application/json (with parameters) and no Content-Type at all still work
    const ok = await call('PATCH', sys, JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe' } }), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(200);
  });

  it('a body over the limit is 413 with a Redfish error, and the connection is closed', async () => {
    const r = await call('POST', '/redfish/v1/AccountService/Accounts', 'x'.repeat(1024 * 1024 + 1), {
      'Content-Type': 'application/json',
    });
    expect(r.status).toBe(413);
    expect(expectRedfishErrorJson(r.text).code).toBe('Base.1.16.0.PayloadTooLarge');
    expect(r.headers.get('connection')).toBe('close');
  });
});
