/**
 * No answer and no log line ever carries a submitted credential: every endpoint that takes one (session login,
 * account create and change, HTTP Basic) gets credentials of every length and shape, and every answer body,
 * header and log line (at trace level, without the logger's redaction) is searched for them. Session login
 * and Basic auth are also driven with the accounts kept outside the store: a registered BMC's own account
 * (including the session it gets, its listing, and its end when the BMC's password changes) and an htpasswd entry.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedSettings, demoNodes, MemoryDriver, MutableBmcDirectory } from '@bmc-emu/core';
import { HtpasswdAccounts } from '@bmc-emu/manage';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedfishServer, redfishSection } from '../src/index.js';
import { basic } from './harness.js';

const logLines: string[] = [];
/** Everything the Redfish event stream (SSE) sent while the credentials were being sent. */
let events = '';
const sse = new AbortController();
let dir: string;
let server: RedfishServer;
let driver: MemoryDriver;
let base: string;
let victim: string;
const directory = new MutableBmcDirectory();
let htpasswd: string;
let nodeName: string;
/** How many logins with a BMC's own account / an htpasswd entry were accepted (the paths were really taken). */
const accepted = { bmc: 0, htpasswd: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfcred-'));
  driver = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0 });
  nodeName = (await driver.list())[0]!.name;
  htpasswd = join(dir, 'htpasswd');
  await writeFile(htpasswd, '');
  server = new RedfishServer({
    directory,
    passwordFile: new HtpasswdAccounts(htpasswd),
    driver,
    settings: redfishSection.parse({ tls: false, port: 0 }),
    shared: sharedSettings({ stateDir: join(dir, 'state') }),
    logger: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
    host: '127.0.0.1',
    port: 0,
  });
  base = (await server.start()).replace(/\/redfish\/v1$/, '');
  const r = await send('POST', '/redfish/v1/AccountService/Accounts', {
    UserName: 'victim',
    Password: 'initial-Secret-1',
    RoleId: 'ReadOnly',
  });
  expect(r.status).toBe(201);
  victim = JSON.parse(r.text.slice(r.text.indexOf('\n\n') + 2))['@odata.id'];
  const stream = await fetch(`${base}/redfish/v1/EventService/SSE`, {
    headers: { Authorization: basic() },
    signal: sse.signal,
  });
  expect(stream.status).toBe(200);
  const before = logLines.length;
  const control = await exercise('ctl-user-0', 'ctl-pass-0', 'ctl-pass-1', 'ctl0');
  await send('DELETE', '/redfish/v1/AccountService/Accounts/ctl0', undefined);
  const registries = await Promise.all(
    ['Base/Base.json', 'ResourceEvent/ResourceEvent.json'].map((r) =>
      send('GET', `/redfish/v1/Registries/${r}`, undefined),
    ),
  );
  baseline = [...control, ...registries].map((a) => a.text).join('\n') + logLines.slice(before).join('');
  void (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of stream.body as AsyncIterable<Uint8Array>) events += dec.decode(chunk);
    } catch {
      // aborted at the end
    }
  })();
});
afterAll(async () => {
  sse.abort();
  await server?.stop();
  await driver?.close();
  await rm(dir, { recursive: true, force: true });
});

async function send(method: string, path: string, body: unknown, auth = basic(), token?: string) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: auth, 'Content-Type': 'application/json', ...(token ? { 'X-Auth-Token': token } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const headers = [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  return { status: r.status, text: `${headers}\n\n${await r.text()}` };
}

const W = 8;
/** The 8-character windows of a secret, as sent and as JSON would escape them (too plain a window is skipped). */
function windows(secret: string): string[] {
  const out = new Set<string>();
  for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) {
    const chars = [...form];
    for (let i = 0; i + W <= chars.length; i++) {
      const w = chars.slice(i, i + W).join('');
      if (new Set(w).size >= 3) out.add(w);
    }
  }
  return [...out];
}

/**
 * What the service says anyway (registry texts, answers and logs for control credentials): a window of a
 * generated secret that is also found here ("property", `{"error"`) is the service's own text, not a leak.
 */
let baseline = '';

function expectNoLeak(haystack: string, secrets: string[], where: string): void {
  for (const s of secrets) {
    for (const w of windows(s)) {
      if (haystack.includes(w) && !baseline.includes(w))
        throw new Error(`${where} carries part of a submitted credential: ${JSON.stringify(w)}`);
    }
  }
}

/** Secrets of every shape: empty to 600 characters, ASCII, any Unicode, quotes/backslashes/colons/controls. */
const secret = fc.oneof(
  fc.string({ maxLength: 600 }),
  fc.string({ unit: 'grapheme', minLength: 8, maxLength: 300 }),
  fc.string({ unit: 'binary', minLength: 250, maxLength: 600 }),
  fc.stringMatching(/^[A-Za-z0-9"\\:@ %{}]{250,400}$/),
);
/** What a client may put where a string is expected. */
const shaped = (s: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 5, arbitrary: s },
    s.map((x) => [x]),
    s.map((x) => ({ value: x })),
  );

type Shaped = string | string[] | { value: string };
const basicUser = (user: Shaped) => (typeof user === 'string' ? user : 'x');

/**
 * A BMC's own account with this password: its session login, what the session reads (its Systems, its
 * Sessions listing and itself), the BMC's password changed under it, and Basic auth with it.
 */
async function bmcAccount(password: string, userName: string) {
  await directory.set([{ node: nodeName, port: 6230, user: userName, password, active: true }]);
  const login = await send(
    'POST',
    '/redfish/v1/SessionService/Sessions',
    { UserName: userName, Password: password },
    '',
  );
  const token = /^x-auth-token: (.*)$/m.exec(login.text)?.[1];
  const answers = [login];
  if (login.status === 201 && token) {
    accepted.bmc++;
    const own = /^location: (.*)$/m.exec(login.text)?.[1] ?? '';
    for (const path of ['/redfish/v1/Systems', '/redfish/v1/SessionService/Sessions', own])
      answers.push(await send('GET', path, undefined, '', token));
    await directory.set([
      { node: nodeName, port: 6230, user: userName, password: `${password}-changed`, active: true },
    ]);
    const after = await send('GET', '/redfish/v1/Systems', undefined, '', token);
    expect(after.status).toBe(401);
    answers.push(after);
  }
  answers.push(await send('GET', '/redfish/v1/Systems', undefined, basic(userName, password)));
  await directory.set([]);
  return answers;
}

/** An htpasswd entry with this password ({SHA}): session login and Basic auth. */
async function htpasswdAccount(password: string, userName: string) {
  const digest = createHash('sha1').update(password).digest('base64');
  await writeFile(`${htpasswd}.new`, `${userName}:{SHA}${digest}\n`);
  await rename(`${htpasswd}.new`, htpasswd);
  const login = await send(
    'POST',
    '/redfish/v1/SessionService/Sessions',
    { UserName: userName, Password: password },
    '',
  );
  if (login.status === 201) accepted.htpasswd++;
  return [login, await send('GET', '/redfish/v1/Systems', undefined, basic(userName, password))];
}

/**
 * The requests that take credentials: login, account create, two account changes, Basic auth; then login,
 * session use and Basic auth with a BMC's own account and an htpasswd entry.
 */
async function exercise(user: Shaped, password: Shaped, plainPw: string, newName: string) {
  // at most 256 UTF-16 units: what a session login takes as a password
  const loginPw = [...plainPw].slice(0, 128).join('');
  return [
    ...(await bmcAccount(loginPw, `b-${newName}`)),
    ...(await htpasswdAccount(loginPw, `h-${newName}`)),
    await send('POST', '/redfish/v1/SessionService/Sessions', { UserName: user, Password: password }, ''),
    await send('POST', '/redfish/v1/AccountService/Accounts', {
      UserName: newName,
      Password: password,
      RoleId: 'ReadOnly',
    }),
    await send('PATCH', victim, { Password: password }),
    await send('PATCH', victim, { Password: plainPw }),
    await send(
      'GET',
      '/redfish/v1/Systems',
      undefined,
      `Basic ${Buffer.from(`${basicUser(user)}:${plainPw}`).toString('base64')}`,
    ),
  ];
}

describe('credentials never come back in an answer or a log line', () => {
  it('a 300-character password (the issue #15 report) is refused without echoing it, with the right MessageId', async () => {
    const pw = Array.from({ length: 300 }, (_, i) => String.fromCharCode(65 + (i % 26)) + (i % 10)).join('');
    const r = await send('POST', '/redfish/v1/SessionService/Sessions', { UserName: 'admin', Password: pw }, '');
    expect(r.status).toBe(400);
    expect(r.text).toContain('Base.1.16.0.ActionParameterValueError');
    expect(r.text).toContain('"MessageArgs":["Password","Session.Create"]');
    expectNoLeak(r.text, [pw], 'the login answer');
    for (const path of ['/redfish/v1/AccountService/Accounts', victim]) {
      const a = await send(path === victim ? 'PATCH' : 'POST', path, {
        ...(path === victim ? {} : { UserName: 'longpw', RoleId: 'ReadOnly' }),
        Password: pw,
      });
      expect(a.status).toBe(400);
      expect(a.text).toMatch(/(ActionParameterValueError|PropertyValueError)/);
      expectNoLeak(a.text, [pw], path);
    }
  });

  it('fast-check: login, account create, account change and Basic auth with any credential', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(shaped(secret), shaped(secret), secret, async (user, password, plainPw) => {
        n++;
        const before = logLines.length;
        const secrets = [user, password, plainPw].flatMap((x) =>
          typeof x === 'string' ? [x] : Array.isArray(x) ? x : [x.value],
        );
        const answers = await exercise(user, password, plainPw, `u${n}`);
        for (const [i, a] of answers.entries()) {
          expect(a.status, a.text).toBeLessThan(500);
          expectNoLeak(a.text, secrets, `answer ${i}`);
        }
        const basicHeaders = [`${basicUser(user)}:${plainPw}`, ...['b', 'h'].map((k) => `${k}-u${n}:${plainPw}`)];
        const logs = logLines.slice(before).join('');
        expectNoLeak(logs, [...secrets, ...basicHeaders.map((h) => Buffer.from(h).toString('base64'))], 'a log line');
        expectNoLeak(events, secrets, 'the event stream');
        // created accounts are removed again so the next run starts alike
        await send('DELETE', `/redfish/v1/AccountService/Accounts/${encodeURIComponent(`u${n}`)}`, undefined);
      }),
      // each run makes 5 requests, most hashing a password (scrypt): 50 runs take 5-20 s on a busy 2-core machine
      { numRuns: 50, endOnFailure: true },
    );
    expect(logLines.length).toBeGreaterThan(0); // the logger did record (trace level), so the log check means something
    expect(events).toContain('bmc-emu event stream'); // the stream was open throughout
    // most generated passwords are short enough to log in with: the BMC and htpasswd paths were taken
    expect(accepted.bmc).toBeGreaterThan(10);
    expect(accepted.htpasswd).toBeGreaterThan(10);
  }, 90_000);
});
