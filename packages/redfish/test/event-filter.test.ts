import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventFacts,
  EventFilterError,
  evaluateEventFilter,
  parseEventFilter,
  SSE_FILTER_PROPERTIES,
  subscriptionMatches,
} from '../src/codec/event-filter.js';
import { basic, type Harness, startHarness } from './harness.js';

const facts: EventFacts = {
  eventType: 'Alert',
  messageId: 'ResourceEvent.1.3.ResourceChanged',
  originResource: '/redfish/v1/Systems/abc',
  resourceType: 'ComputerSystem',
  eventFormatType: 'Event',
};

describe('SSE $filter codec', () => {
  it('evaluates eq, ne, and, or, not and parentheses', () => {
    const ok = (f: string) => evaluateEventFilter(parseEventFilter(f), facts);
    expect(ok("MessageId eq 'ResourceEvent.1.3.ResourceChanged'")).toBe(true);
    expect(ok("MessageId eq 'ResourceEvent.ResourceChanged'")).toBe(true);
    expect(ok("MessageId eq 'ResourceEvent.1.3.ResourceCreated'")).toBe(false);
    expect(ok("RegistryPrefix eq 'ResourceEvent' and ResourceType eq 'ComputerSystem'")).toBe(true);
    expect(ok("(OriginResource eq '/redfish/v1/Systems/x') or (OriginResource eq '/redfish/v1/Systems/abc')")).toBe(
      true,
    );
    expect(ok("not (EventType eq 'Alert')")).toBe(false);
    expect(ok("EventType ne 'Alert' or EventFormatType eq 'Event'")).toBe(true);
    expect(ok("OriginResource eq 'it''s'")).toBe(false);
  });

  it('rejects malformed filters with a reason', () => {
    for (const bad of [
      '',
      'MessageId',
      'MessageId eq',
      "MessageId eq 'x",
      "MessageId gt 'x'",
      "Color eq 'red'",
      "(MessageId eq 'x'",
      "MessageId eq 'x')",
      "MessageId eq 'x' xor EventType eq 'y'",
      "MessageId eq 'x' ;",
      `${'('.repeat(40)}EventType eq 'Alert'${')'.repeat(40)}`,
      `EventType eq '${'a'.repeat(3000)}'`,
    ]) {
      expect(() => parseEventFilter(bad), bad).toThrow(EventFilterError);
    }
  });

  it('never throws anything but EventFilterError on any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          const e = parseEventFilter(s);
          expect(typeof evaluateEventFilter(e, facts)).toBe('boolean');
        } catch (err) {
          expect(err).toBeInstanceOf(EventFilterError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a generated filter agrees with a direct comparison', () => {
    const value = fc.oneof(
      fc.constantFrom('Alert', 'ResourceEvent', 'ComputerSystem', 'Event', '/redfish/v1/Systems/abc'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...SSE_FILTER_PROPERTIES), fc.constantFrom('eq', 'ne'), value, (prop, op, v) => {
        const actual: Record<string, string> = {
          EventType: facts.eventType,
          MessageId: facts.messageId,
          OriginResource: facts.originResource,
          RegistryPrefix: 'ResourceEvent',
          ResourceType: facts.resourceType,
          EventFormatType: facts.eventFormatType,
        };
        const same = actual[prop] === v || (prop === 'MessageId' && v === 'ResourceEvent.ResourceChanged');
        const expr = parseEventFilter(`${prop} ${op} '${v.replace(/'/g, "''")}'`);
        expect(evaluateEventFilter(expr, facts)).toBe(op === 'eq' ? same : !same);
      }),
      { numRuns: 1000 },
    );
  });

  it('subscription filters narrow by prefix, message, type and origin (with subordinates)', () => {
    const none = {
      eventTypes: [],
      registryPrefixes: [],
      messageIds: [],
      resourceTypes: [],
      originResources: [],
      subordinateResources: false,
    };
    expect(subscriptionMatches(none, facts)).toBe(true);
    expect(subscriptionMatches({ ...none, registryPrefixes: ['Base'] }, facts)).toBe(false);
    expect(subscriptionMatches({ ...none, registryPrefixes: ['ResourceEvent'] }, facts)).toBe(true);
    expect(subscriptionMatches({ ...none, messageIds: ['ResourceEvent.ResourceCreated'] }, facts)).toBe(false);
    expect(subscriptionMatches({ ...none, resourceTypes: ['Chassis'] }, facts)).toBe(false);
    expect(subscriptionMatches({ ...none, originResources: ['/redfish/v1/Systems'] }, facts)).toBe(false);
    expect(
      subscriptionMatches({ ...none, originResources: ['/redfish/v1/Systems'], subordinateResources: true }, facts),
    ).toBe(true);
  });
});

describe('EventService filters on a live server', () => {
  let h: Harness;
  const auth = { Authorization: basic() };
  beforeAll(async () => {
    h = await startHarness({ tls: false, nodes: 2 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const patchBoot = (id: string, target: string) =>
    fetch(`${h.url}/Systems/${id}`, {
      method: 'PATCH',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Continuous' } }),
    });

  it('advertises the SSE filter properties it supports', async () => {
    const es = await (await fetch(`${h.url}/EventService`, { headers: auth })).json();
    expect(es.SSEFilterPropertiesSupported).toMatchObject({ MessageId: true, OriginResource: true, EventType: true });
  });

  it('an SSE stream with $filter gets only the matching node events', async () => {
    const [a, b] = await h.driver.list();
    const filter = encodeURIComponent(`OriginResource eq '/redfish/v1/Systems/${b!.id}'`);
    const ctl = new AbortController();
    const res = await fetch(`${h.url}/EventService/SSE?$filter=${filter}`, { headers: auth, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await patchBoot(a!.id, 'Cd')).status).toBeLessThan(300);
    expect((await patchBoot(b!.id, 'Pxe')).status).toBeLessThan(300);
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('data: ') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ctl.abort();
    const origins = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)).Events[0].OriginOfCondition['@odata.id']);
    expect(origins.length).toBeGreaterThan(0);
    expect(new Set(origins)).toEqual(new Set([`/redfish/v1/Systems/${b!.id}`]));
  });

  it('a malformed $filter is a 400 with QueryParameterValueFormatError', async () => {
    const res = await fetch(`${h.url}/EventService/SSE?$filter=${encodeURIComponent("Color eq 'red'")}`, {
      headers: auth,
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error['@Message.ExtendedInfo'][0].MessageId).toMatch(/QueryParameterValueFormatError/);
  });

  it('an unknown RegistryPrefix is refused, not silently ignored', async () => {
    const res = await fetch(`${h.url}/EventService/Subscriptions`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Destination: 'http://127.0.0.1:9/x', RegistryPrefixes: ['Nope'] }),
    });
    expect(res.status).toBe(400);
  });

  it('a subscription with OriginResources is pushed only its node events', async () => {
    const [a, b] = await h.driver.list();
    const got: Array<{ Events: Array<{ OriginOfCondition: { '@odata.id': string } }> }> = [];
    const sink = createServer((req, res) => {
      let s = '';
      req.on('data', (c) => {
        s += c;
      });
      req.on('end', () => {
        got.push(JSON.parse(s));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      const sub = await fetch(`${h.url}/EventService/Subscriptions`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          Destination: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/e`,
          RegistryPrefixes: ['ResourceEvent'],
          OriginResources: [{ '@odata.id': `/redfish/v1/Systems/${a!.id}` }],
        }),
      });
      expect(sub.status).toBe(201);
      const made = await sub.json();
      expect(made.OriginResources).toEqual([{ '@odata.id': `/redfish/v1/Systems/${a!.id}` }]);
      await patchBoot(b!.id, 'Hdd');
      await patchBoot(a!.id, 'Usb');
      const deadline = Date.now() + 5000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      expect(got.length).toBeGreaterThan(0);
      for (const e of got) expect(e.Events[0]!.OriginOfCondition['@odata.id']).toBe(`/redfish/v1/Systems/${a!.id}`);
    } finally {
      sink.closeAllConnections();
      await new Promise((r) => sink.close(r));
    }
  });
});
