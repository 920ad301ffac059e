/** DnsServer on loopback against real clients: dig (BIND) and kdig (Knot). */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from '../../../test/support/peers.js';
import { DnsServer, parseDnsConfig, TcpFramer } from '../src/index.js';

// the server runs in this process: clients must run without blocking its event loop
const run = async (cmd: string, args: string[]) => (await promisify(execFile)(cmd, args, { encoding: 'utf8' })).stdout;

const gate = requirePeers('dns clients on loopback', [command('dig', 'dnsutils'), command('kdig', 'knot-dnsutils')]);

const BIG_TXT = Array.from({ length: 40 }, (_, i) => `chunk-${i}-${'x'.repeat(90)}`);

gate.describe('DnsServer on 127.0.0.1 with dig and kdig', () => {
  let server: DnsServer;
  let port: number;

  beforeAll(async () => {
    server = new DnsServer({
      config: parseDnsConfig({
        enabled: true,
        port: 0,
        zones: ['lab.test'],
        tcpIdleTimeoutMs: 500,
        records: [
          { type: 'A', name: 'api.lab.test', address: '192.0.2.5' },
          ...BIG_TXT.map((text) => ({ type: 'TXT' as const, name: 'big.lab.test', text })),
          ...BIG_TXT.slice(0, 8).map((text) => ({ type: 'TXT' as const, name: 'mid.lab.test', text })),
        ],
      }),
      addresses: ['127.0.0.1'],
    });
    await server.start();
    port = server.port;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serves IPv6 too, on the same port, and forwards to an IPv6 upstream (another DnsServer on ::1)', async () => {
    const far = new DnsServer({
      config: parseDnsConfig({
        enabled: true,
        port: 0,
        zones: ['far.test'],
        records: [{ type: 'AAAA', name: 'host.far.test', address: '2001:db8::7' }],
      }),
      addresses: ['::1'],
    });
    await far.start();
    const near = new DnsServer({
      config: parseDnsConfig({ enabled: true, port: 0, zones: ['near.test'], upstreams: [`[::1]:${far.port}`] }),
      addresses: ['127.0.0.1', '::1'],
    });
    try {
      await near.start();
      for (const at of ['127.0.0.1', '::1']) {
        const out = await run('dig', [
          `@${at}`,
          '-p',
          String(near.port),
          '+time=2',
          '+tries=1',
          'host.far.test',
          'AAAA',
        ]);
        expect(out).toMatch(/^host\.far\.test\.\s+300\s+IN\s+AAAA\s+2001:db8::7$/m);
        expect(out).toMatch(/flags: qr rd ra;/);
      }
      expect(near.counters.forwarded).toBe(2);
      expect(far.counters.answered).toBe(2);
    } finally {
      await near.stop();
      await far.stop();
    }
  });

  const dig = (...args: string[]) => run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args]);

  it('answers over UDP with AA and echoes EDNS with our size', async () => {
    const out = await dig('api.lab.test', 'A');
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa rd;/);
    expect(out).toMatch(/^api\.lab\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.5$/m);
    expect(out).toMatch(/EDNS: version: 0, flags:; udp: 1232/);
    // no EDNS from the client: none back
    expect(await dig('+noedns', 'api.lab.test')).not.toMatch(/OPT PSEUDOSECTION/);
  });

  it('sets TC when the answer exceeds the UDP size; dig then retries over TCP and gets it all', async () => {
    const truncated = await dig('+ignore', 'big.lab.test', 'TXT');
    expect(truncated).toMatch(/flags: qr aa tc rd;/);
    expect(truncated).toMatch(/ANSWER: 0,/);
    const full = await dig('big.lab.test', 'TXT');
    expect(full).toMatch(/Truncated, retrying in TCP mode/);
    expect(full).toMatch(/ANSWER: 40,/);
    // we take at most our own 1232 however large the client's buffer
    expect(await dig('+bufsize=4096', '+ignore', 'big.lab.test', 'TXT')).toMatch(/flags: qr aa tc rd;/);
    // ~900 bytes: fits an EDNS client's UDP, not the classic 512
    expect(await dig('+ignore', 'mid.lab.test', 'TXT')).toMatch(/flags: qr aa rd;.*ANSWER: 8,/);
    expect(await dig('+ignore', '+noedns', 'mid.lab.test', 'TXT')).toMatch(/flags: qr aa tc rd;/);
  });

  it('answers several queries on one TCP connection (kdig +keepopen)', async () => {
    const before = server.counters.tcpConnections;
    const out = await run('kdig', [
      '@127.0.0.1',
      '-p',
      String(port),
      '+tcp',
      '+keepopen',
      'api.lab.test',
      'A',
      'big.lab.test',
      'TXT',
      'nope.lab.test',
      'A',
    ]);
    expect(out).toMatch(/api\.lab\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.5/);
    expect(out).toMatch(/ANSWER: 40/);
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(server.counters.tcpConnections - before).toBe(1);
  });

  it('closes an idle TCP connection', async () => {
    const sock = connect({ host: '127.0.0.1', port });
    const closedAt = await new Promise<number>((resolve) => {
      const t0 = Date.now();
      sock.on('close', () => resolve(Date.now() - t0));
      sock.on('error', () => undefined);
    });
    expect(closedAt).toBeGreaterThanOrEqual(400);
    expect(closedAt).toBeLessThan(5000);
  });

  it('BADVERS for EDNS version 1, NOTIMP for a STATUS opcode, REFUSED outside the zones with no upstream', async () => {
    expect(await dig('+edns=1', '+noednsnegotiation', 'api.lab.test')).toMatch(/status: BADVERS/);
    expect(await dig('+opcode=status', 'api.lab.test')).toMatch(/status: NOTIMP/);
    expect(await dig('example.com')).toMatch(/status: REFUSED/);
  });

  it('FORMERR (same id) to a readable header with a broken body, silence to 5 bytes, and it keeps serving', async () => {
    const sock = createSocket('udp4');
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const broken = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3f, 0x61]);
    sock.send(broken, port, '127.0.0.1');
    sock.send(Buffer.from([1, 2, 3, 4, 5]), port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    sock.close();
    expect(got).toHaveLength(1);
    const reply = dnsPacket.decode(got[0]!);
    expect(reply.id).toBe(0xbeef);
    expect((reply as unknown as { rcode: string }).rcode).toBe('FORMERR');
    expect(await dig('api.lab.test')).toMatch(/192\.0\.2\.5/);
  });

  it('the same over TCP: a framed garbage message gets FORMERR on the same connection', async () => {
    const sock = connect({ host: '127.0.0.1', port });
    const framer = new TcpFramer();
    const reply = await new Promise<Buffer>((resolve, reject) => {
      sock.on('data', (d) => {
        const [m] = framer.push(d);
        if (m) resolve(m);
      });
      sock.on('error', reject);
      sock.write(TcpFramer.frame(Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0])));
    });
    sock.destroy();
    expect(reply.readUInt16BE(0)).toBe(0x1234);
    expect(reply[3]! & 0x0f).toBe(1);
  });
});
