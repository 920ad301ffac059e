import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { basic, type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tls: false });
});
afterAll(async () => {
  await h?.close();
});

const auth = { Authorization: basic() };

it('SSE stream emits power and boot changes as Redfish events', async () => {
  const ctl = new AbortController();
  const res = await fetch(`${h.url}/EventService/SSE`, { headers: auth, signal: ctl.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  await fetch(`${h.url}/Systems/${h.node.id}/Actions/ComputerSystem.Reset`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ResetType: 'On' }),
  });
  let text = '';
  const deadline = Date.now() + 5000;
  while (!/PowerState":"On"/.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  ctl.abort();
  const events = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)));
  expect(events.length).toBeGreaterThanOrEqual(2);
  expect(events[0]['@odata.type']).toMatch(/#Event\./);
  expect(events[0].Events[0]).toMatchObject({ OriginOfCondition: { '@odata.id': `/redfish/v1/Systems/${h.node.id}` } });
  expect(events.map((e) => e.Events[0].Oem.BmcEmu.PowerState)).toEqual(expect.arrayContaining(['PoweringOn', 'On']));
  const [prefix, , , id] = events[0].Events[0].MessageId.split('.');
  const reg = await (await fetch(`${h.url}/Registries/${prefix}/${prefix}.json`, { headers: auth })).json();
  expect(reg.Messages[id]).toBeDefined();
});

it('subscriptions push events to a loopback destination and can be deleted', async () => {
  const got: unknown[] = [];
  const sink = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => {
      b += c;
    });
    req.on('end', () => {
      got.push(JSON.parse(b));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  try {
    const dest = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/events`;
    const sub = await fetch(`${h.url}/EventService/Subscriptions`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Destination: dest, Context: 'ctx-1', Protocol: 'Redfish', EventTypes: ['Alert'] }),
    });
    expect(sub.status).toBe(201);
    expect((await sub.json()).EventTypes).toEqual(['Alert']);
    const location = sub.headers.get('location')!;
    await fetch(`${h.url}/Systems/${h.node.id}`, {
      method: 'PATCH',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } }),
    });
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got[0]).toMatchObject({ Context: 'ctx-1', Events: [{ Oem: { BmcEmu: { Change: 'boot' } } }] });
    const del = await fetch(`${h.base}${location}`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(204);
    expect((await fetch(`${h.base}${location}`, { headers: auth })).status).toBe(404);
  } finally {
    sink.closeAllConnections();
    await new Promise((r) => sink.close(r));
  }
});
