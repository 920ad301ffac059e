/**
 * The DMTF Redfish Protocol Validator's server-sent-event assertions (SERV_SSE_*, SEC_SESSION_TERMINATION_*),
 * over a real socket: an SSE stream is an EventDestination while it is open, and an idle stream is kept alive.
 */
import { EventEmitter } from 'node:events';
import type { Response as ExpressResponse } from 'express';
import { silentLogger } from '@bmc-emu/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../src/events.js';
import { acceptsEventStream } from '../src/routes/services.js';
import { basic, type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tls: false });
});
afterAll(async () => {
  await h?.close();
});

const auth = { Authorization: basic() };

async function subscriptionIds(): Promise<string[]> {
  const r = await fetch(`${h.url}/EventService/Subscriptions`, { headers: auth });
  return ((await r.json()).Members as Array<{ '@odata.id': string }>).map((m) => m['@odata.id']);
}

/** Open the SSE stream and find the EventDestination it created (the validator's get_sse_stream does the same). */
async function openStream(headers: Record<string, string> = auth) {
  const before = new Set(await subscriptionIds());
  const ctl = new AbortController();
  const res = await fetch(`${h.url}/EventService/SSE`, { headers, signal: ctl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const created = (await subscriptionIds()).filter((u) => !before.has(u));
  return { ctl, reader, created };
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, re: RegExp, ms: number): Promise<string> {
  let text = '';
  const deadline = Date.now() + ms;
  while (!re.test(text) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (chunk.done) break;
    text += Buffer.from(chunk.value).toString('utf8');
  }
  return text;
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('SSE streams are EventDestinations', () => {
  it('SERV_SSE_OPEN_CREATES_EVENT_DEST and SERV_SSE_EVENT_DEST_CONTEXT_OPAQUE_STR', async () => {
    const { ctl, created } = await openStream();
    try {
      expect(created).toHaveLength(1);
      const dest = await (await fetch(`${h.base}${created[0]}`, { headers: auth })).json();
      expect(dest).toMatchObject({ SubscriptionType: 'SSE', Protocol: 'Redfish' });
      expect(dest.Context).toMatch(/^[0-9a-f]{32}$/);
      expect(dest).not.toHaveProperty('Destination');
    } finally {
      ctl.abort();
    }
  });

  it('SERV_SSE_EVENT_DEST_DELETED_ON_CLOSE: closing the connection deletes its EventDestination', async () => {
    const { ctl, created } = await openStream();
    expect(created).toHaveLength(1);
    ctl.abort();
    expect(await waitFor(async () => !(await subscriptionIds()).includes(created[0]!), 3000)).toBe(true);
    expect((await fetch(`${h.base}${created[0]}`, { headers: auth })).status).toBe(404);
  });

  it('SERV_SSE_CLOSE_CONNECTION_IF_EVENT_DEST_DELETED: deleting the EventDestination ends the stream', async () => {
    const { ctl, reader, created } = await openStream();
    try {
      const del = await fetch(`${h.base}${created[0]}`, { method: 'DELETE', headers: auth });
      expect(del.status).toBe(204);
      let done = false;
      const deadline = Date.now() + 3000;
      while (!done && Date.now() < deadline) done = (await reader.read()).done;
      expect(done).toBe(true);
    } finally {
      ctl.abort();
    }
  });

  it('SEC_SESSION_TERMINATION_SIDE_EFFECTS: logging out does not close an SSE stream opened by the session', async () => {
    const login = await fetch(`${h.url}/SessionService/Sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ UserName: 'admin', Password: 'password' }),
    });
    const token = login.headers.get('x-auth-token')!;
    const { ctl, reader } = await openStream({ 'X-Auth-Token': token });
    try {
      const out = await fetch(`${h.base}${login.headers.get('location')}`, {
        method: 'DELETE',
        headers: { 'X-Auth-Token': token },
      });
      expect(out.status).toBe(204);
      await fetch(`${h.url}/Systems/${h.node.id}/Actions/ComputerSystem.Reset`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ResetType: 'ForceOn' }),
      });
      expect(await readUntil(reader, /^data: .*#Event\./m, 3000)).toMatch(/^data: .*#Event\./m);
    } finally {
      ctl.abort();
    }
  });
});

describe('SSE content negotiation', () => {
  it('SERV_SSE_UNSUCCESSFUL_RESPONSE: Accept without text/event-stream is a 406 JSON Redfish error', async () => {
    const r = await fetch(`${h.url}/EventService/SSE`, { headers: { ...auth, Accept: 'application/json' } });
    expect(r.status).toBe(406);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await r.json();
    expect(typeof body.error.code).toBe('string');
    expect(typeof body.error.message).toBe('string');
    expect(Array.isArray(body.error['@Message.ExtendedInfo'])).toBe(true);
    // REQ_HEADERS_ACCEPT: the SSE media types (and no Accept at all) open the stream
    for (const accept of ['text/event-stream', 'text/event-stream;charset=utf-8', '*/*', undefined]) {
      const ctl = new AbortController();
      const ok = await fetch(`${h.url}/EventService/SSE`, {
        headers: accept ? { ...auth, Accept: accept } : auth,
        signal: ctl.signal,
      });
      expect(ok.status, String(accept)).toBe(200);
      ctl.abort();
    }
  });

  it('acceptsEventStream honours wildcards and q=0', () => {
    expect(acceptsEventStream(undefined)).toBe(true);
    expect(acceptsEventStream('text/*')).toBe(true);
    expect(acceptsEventStream('application/json, text/event-stream;q=0.5')).toBe(true);
    expect(acceptsEventStream('text/event-stream;q=0')).toBe(false);
    expect(acceptsEventStream('application/json')).toBe(false);
  });
});

describe('SSE keep-alive (the validator reads an idle stream until data arrives)', () => {
  it('an idle stream gets `: keep-alive` comments, and the timer stops with the last stream', async () => {
    const hub = new EventHub(silentLogger(), async () => {}, 20);
    const written: string[] = [];
    const res = Object.assign(new EventEmitter(), {
      write: (s: string) => written.push(s) > 0,
      end: () => res.emit('close'),
    });
    const sub = hub.addStream(res as unknown as ExpressResponse);
    await new Promise((r) => setTimeout(r, 120));
    expect(written.filter((w) => w === ': keep-alive\n\n').length).toBeGreaterThanOrEqual(2);
    expect(hub.remove(sub.id)).toBe(true);
    expect(hub.streamCount).toBe(0);
    const n = written.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(written.length).toBe(n);
  });
});
