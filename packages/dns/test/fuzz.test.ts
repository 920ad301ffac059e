/**
 * 100,000 fuzzed packets at a running DnsServer (random bytes, mutated real queries, fast-check-built
 * queries with odd headers, types, classes and EDNS), then real dig queries must still be answered.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from '../../../test/support/peers.js';
import { DnsServer, parseDnsConfig } from '../src/index.js';

const gate = requirePeers('dns fuzz (answers checked with dig)', [command('dig', 'dnsutils')]);
const TOTAL = 100_000;
const BATCH = 500;

const label = fc.stringMatching(/^[a-z0-9*_-]{1,12}$/);
const nameArb = fc.oneof(
  fc.constantFrom('api.lab.test', 'x.apps.lab.test', 'lab.test', '5.2.0.192.in-addr.arpa', 'example.com'),
  fc.array(label, { minLength: 1, maxLength: 6 }).map((l) => `${l.join('.')}.lab.test`),
);
const queryArb = fc
  .record({
    id: fc.nat(0xffff),
    flags: fc.nat(0x7fff),
    name: nameArb,
    type: fc.constantFrom('A', 'AAAA', 'SRV', 'TXT', 'PTR', 'CNAME', 'SOA', 'NS', 'ANY', 'AXFR', 'MX', 'UNKNOWN_65280'),
    klass: fc.constantFrom('IN', 'CH', 'ANY', 'HS'),
    edns: fc.option(fc.record({ size: fc.nat(0xffff), version: fc.nat(255), flags: fc.nat(0xffff) })),
  })
  .map(({ id, flags, name, type, klass, edns }) =>
    dnsPacket.encode({
      type: 'query',
      id,
      flags,
      questions: [{ name, type: type as dnsPacket.RecordType, class: klass as dnsPacket.RecordClass }],
      additionals: edns
        ? [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: edns.size,
              ednsVersion: edns.version,
              flags: edns.flags,
            } as dnsPacket.Answer,
          ]
        : [],
    }),
  );
const mutatedArb = fc
  .tuple(queryArb, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.option(fc.nat()))
  .map(([q, flips, cut]) => {
    const b = Buffer.from(q);
    for (const [at, v] of flips) b[at % b.length] = v;
    return cut === null ? b : b.subarray(0, cut % (b.length + 1));
  });
const randomArb = fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u));
const packetArb = fc.oneof(randomArb, mutatedArb, queryArb);

const run = async (cmd: string, args: string[]) => (await promisify(execFile)(cmd, args, { encoding: 'utf8' })).stdout;

gate.describe('DnsServer under 100,000 fuzzed packets', () => {
  let server: DnsServer;

  beforeAll(async () => {
    server = new DnsServer({
      config: parseDnsConfig({
        enabled: true,
        port: 0,
        zones: ['lab.test'],
        records: [
          { type: 'A', name: 'api.lab.test', address: '192.0.2.5' },
          { type: 'A', name: '*.apps.lab.test', address: '192.0.2.6' },
          { type: 'CNAME', name: 'www.lab.test', target: 'api.lab.test' },
        ],
      }),
      addresses: ['127.0.0.1'],
    });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('takes them all without an internal error and still answers real queries', { timeout: 240_000 }, async () => {
    const sock = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    let replies = 0;
    sock.on('message', () => replies++);
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = server.port;
    const before = server.counters.received;
    let sent = 0;
    for (let seed = 1; sent < TOTAL; seed++) {
      const batch = fc.sample(packetArb, { numRuns: BATCH, seed });
      for (const p of batch) sock.send(p, port, '127.0.0.1');
      sent += batch.length;
      // pace on the server's own count so loopback buffers never overflow (bounded wait per batch)
      for (let i = 0; i < 500 && server.counters.received - before < sent; i++)
        await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 200));
    sock.close();
    const c = server.counters;
    console.info(`dns fuzz: ${JSON.stringify(c)}, replies seen by the sender ${replies}`);
    expect(c.received - before).toBe(TOTAL);
    expect(c.errors).toBe(0);
    expect(replies).toBeGreaterThan(TOTAL / 2);
    expect(c.answered + c.silent).toBe(c.received);

    const dig = (...a: string[]) => run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...a]);
    expect(await dig('api.lab.test')).toMatch(/^api\.lab\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.5$/m);
    expect(await dig('+tcp', 'www.lab.test')).toMatch(/192\.0\.2\.5/);
  });

  it('a TCP stream of fuzzed frames costs that connection at most; the next one is answered', async () => {
    const port = server.port;
    const frames = fc.sample(packetArb, { numRuns: 2000, seed: 99 });
    const junk = Buffer.concat(frames.map((f) => Buffer.concat([Buffer.from([f.length >> 8, f.length & 0xff]), f])));
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.end(junk);
      });
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect(server.counters.errors).toBe(0);
    expect(await run('dig', ['@127.0.0.1', '-p', String(port), '+tcp', '+time=2', 'x.apps.lab.test'])).toMatch(
      /192\.0\.2\.6/,
    );
  });
});
