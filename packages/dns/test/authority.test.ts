import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAuthority, type DnsConfigInput, parseDnsConfig, reverseName, reverseZoneOf } from '../src/index.js';

function authority(
  cfg: Partial<DnsConfigInput>,
  hosts: Array<{ name: string; address: string }> = [],
  domain?: string,
) {
  return buildAuthority({
    config: parseDnsConfig({ enabled: true, zones: ['ocp.lab.test'], ...cfg }),
    hosts: hosts.map((h) => ({ ...h, origin: 'test' })),
    hostsDomain: domain ?? 'ocp.lab.test',
    listenAddresses: ['172.30.0.1'],
    serial: 42,
  });
}

const records: DnsConfigInput['records'] = [
  { type: 'A', name: 'api.ocp.lab.test', address: '192.168.111.5' },
  { type: 'A', name: 'API-INT.ocp.lab.test.', address: '192.168.111.5' },
  { type: 'A', name: '*.apps.ocp.lab.test', address: '192.168.111.4' },
  { type: 'A', name: 'console.apps.ocp.lab.test', address: '192.168.111.9' },
  { type: 'CNAME', name: 'www.ocp.lab.test', target: 'api.ocp.lab.test' },
  { type: 'CNAME', name: 'out.ocp.lab.test', target: 'example.com' },
  { type: 'A', name: 'deep.a.b.ocp.lab.test', address: '10.0.0.1' },
];

describe('Authority lookups', () => {
  const a = authority({ records });

  it('answers A case-insensitively with the owner name as asked, and sets no NXDOMAIN', () => {
    const r = a.lookup('Api-Int.OCP.lab.test', 'A')!;
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers).toEqual([
      expect.objectContaining({ name: 'Api-Int.OCP.lab.test', type: 'A', data: '192.168.111.5' }),
    ]);
  });

  it('NODATA (NOERROR, SOA) for an existing name without that type and for an empty non-terminal', () => {
    for (const [name, type] of [
      ['api.ocp.lab.test', 'MX'],
      ['a.b.ocp.lab.test', 'A'],
      ['b.ocp.lab.test', 'A'],
      ['apps.ocp.lab.test', 'A'],
    ] as const) {
      const r = a.lookup(name, type)!;
      expect(r.rcode, name).toBe('NOERROR');
      expect(r.answers).toEqual([]);
      expect(r.authorities[0]).toMatchObject({ type: 'SOA', name: 'ocp.lab.test', ttl: 60 });
    }
  });

  it('NXDOMAIN with the SOA for a name that does not exist', () => {
    const r = a.lookup('nope.ocp.lab.test', 'A')!;
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.authorities[0]).toMatchObject({ type: 'SOA', data: expect.objectContaining({ serial: 42, minimum: 60 }) });
  });

  it('wildcards: any depth below the closest encloser, never over a name that exists', () => {
    expect(a.lookup('x.apps.ocp.lab.test', 'A')!.answers[0]).toMatchObject({
      name: 'x.apps.ocp.lab.test',
      data: '192.168.111.4',
    });
    expect(a.lookup('a.b.c.apps.ocp.lab.test', 'A')!.answers[0]?.data).toBe('192.168.111.4');
    expect(a.lookup('console.apps.ocp.lab.test', 'A')!.answers.map((x) => x.data)).toEqual(['192.168.111.9']);
    // the wildcard has no AAAA: NODATA, not NXDOMAIN
    expect(a.lookup('x.apps.ocp.lab.test', 'AAAA')!).toMatchObject({ rcode: 'NOERROR', answers: [] });
    // below an existing name the wildcard does not reach
    expect(a.lookup('x.console.apps.ocp.lab.test', 'A')!.rcode).toBe('NXDOMAIN');
  });

  it('follows a CNAME inside the zone and stops at one leaving it', () => {
    expect(a.lookup('www.ocp.lab.test', 'A')!.answers.map((x) => `${x.type} ${String(x.data)}`)).toEqual([
      'CNAME api.ocp.lab.test',
      'A 192.168.111.5',
    ]);
    expect(a.lookup('www.ocp.lab.test', 'CNAME')!.answers).toHaveLength(1);
    expect(a.lookup('out.ocp.lab.test', 'A')!.answers.map((x) => x.type)).toEqual(['CNAME']);
  });

  it('a CNAME loop ends', () => {
    const loop = authority({
      records: [
        { type: 'CNAME', name: 'a.ocp.lab.test', target: 'b.ocp.lab.test' },
        { type: 'CNAME', name: 'b.ocp.lab.test', target: 'a.ocp.lab.test' },
      ],
    });
    expect(loop.lookup('a.ocp.lab.test', 'A')!.answers.length).toBeLessThanOrEqual(9);
  });

  it('SOA and NS at the apex, the NS name glued to the listen address', () => {
    expect(a.lookup('ocp.lab.test', 'SOA')!.answers[0]).toMatchObject({ type: 'SOA' });
    const ns = a.lookup('ocp.lab.test', 'NS')!;
    expect(ns.answers[0]).toMatchObject({ type: 'NS', data: 'ns.ocp.lab.test' });
    expect(ns.additionals[0]).toMatchObject({ type: 'A', name: 'ns.ocp.lab.test', data: '172.30.0.1' });
  });

  it('is not ours outside the zones (the caller forwards)', () => {
    expect(a.lookup('example.com', 'A')).toBeUndefined();
    expect(a.lookup('lab.test', 'A')).toBeUndefined();
  });

  it('PTRs: one per address (the first name wins), NXDOMAIN elsewhere in the derived /24, none outside', () => {
    expect(a.lookup(reverseName('192.168.111.5'), 'PTR')!.answers.map((x) => x.data)).toEqual(['api.ocp.lab.test']);
    expect(a.lookup(reverseName('192.168.111.77'), 'PTR')!.rcode).toBe('NXDOMAIN');
    expect(a.lookup(reverseName('192.168.112.5'), 'PTR')).toBeUndefined();
    // the wildcard's address has no PTR
    expect(a.lookup(reverseName('192.168.111.4'), 'PTR')!.rcode).toBe('NXDOMAIN');
  });

  it('DHCP names land in the hosts domain with A and PTR; a static record of the same name wins', () => {
    const d = authority({ records }, [
      { name: 'worker-0', address: '172.30.0.100' },
      { name: 'api', address: '172.30.0.200' },
      { name: 'v6host', address: 'fd00::20' },
    ]);
    expect(d.lookup('worker-0.ocp.lab.test', 'A')!.answers[0]?.data).toBe('172.30.0.100');
    expect(d.lookup(reverseName('172.30.0.100'), 'PTR')!.answers[0]?.data).toBe('worker-0.ocp.lab.test');
    expect(d.lookup('api.ocp.lab.test', 'A')!.answers.map((x) => x.data)).toEqual(['192.168.111.5']);
    expect(d.lookup('v6host.ocp.lab.test', 'AAAA')!.answers[0]?.data).toBe('fd00::20');
    expect(d.lookup(reverseName('fd00::20'), 'PTR')!.answers[0]?.data).toBe('v6host.ocp.lab.test');
  });

  it('SRV answers carry the in-zone targets as additionals; TXT keeps every string', () => {
    const s = authority({
      records: [
        {
          type: 'SRV',
          name: '_etcd-server-ssl._tcp.ocp.lab.test',
          target: 'etcd-0.ocp.lab.test',
          port: 2380,
          weight: 10,
        },
        { type: 'A', name: 'etcd-0.ocp.lab.test', address: '192.168.111.20' },
        { type: 'TXT', name: 'ocp.lab.test', text: ['v=1', 'two words'] },
      ],
    });
    const srv = s.lookup('_etcd-server-ssl._tcp.ocp.lab.test', 'SRV')!;
    expect(srv.answers[0]).toMatchObject({
      data: { target: 'etcd-0.ocp.lab.test', port: 2380, priority: 0, weight: 10 },
    });
    expect(srv.additionals.map((x) => x.data)).toEqual(['192.168.111.20']);
    expect(s.lookup('ocp.lab.test', 'TXT')!.answers[0]?.data).toEqual(['v=1', 'two words']);
    expect(s.lookup('_tcp.ocp.lab.test', 'SRV')!).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  it('every name under a zone gets NOERROR or NXDOMAIN, never undefined; A answers are only the configured ones', () => {
    const label = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), (labels) => {
        const r = a.lookup(`${labels.join('.')}.ocp.lab.test`, 'A');
        expect(r).toBeDefined();
        for (const x of r!.answers.filter((x) => x.type === 'A')) {
          expect(['192.168.111.5', '192.168.111.4', '192.168.111.9', '10.0.0.1', '172.30.0.1']).toContain(x.data);
        }
      }),
    );
  });
});

describe('reverse names', () => {
  it('IPv4 PTR names are the octets reversed under in-addr.arpa', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(reverseName(ip)).toBe(`${ip.split('.').reverse().join('.')}.in-addr.arpa`);
      }),
    );
  });

  it('IPv6 PTR names are 32 nibbles, and a zone widens to a label boundary', () => {
    expect(reverseName('2001:db8::567:89ab')).toBe(
      'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(reverseName(ip).split('.')).toHaveLength(34);
      }),
    );
    expect(reverseZoneOf('10.1.0.0/16')).toBe('1.10.in-addr.arpa');
    expect(reverseZoneOf('10.1.2.0/23')).toBe('1.10.in-addr.arpa');
    expect(reverseZoneOf('fd00::/8')).toBe('d.f.ip6.arpa');
  });
});

describe('parseDnsConfig', () => {
  it('names a bad key with its full path', () => {
    expect(() => parseDnsConfig({ enabled: true, recods: [] })).toThrow(/unknown key "dns.recods"/);
    expect(() => parseDnsConfig({ records: [{ type: 'A', name: 'x.test', address: 'nope' }] })).toThrow(
      /dns\.records\.0\.address/,
    );
    expect(() => parseDnsConfig({ upstreams: ['not an address'] })).toThrow(/dns\.upstreams\.0/);
    expect(parseDnsConfig(undefined).enabled).toBe(false);
  });

  it('refuses what dns-packet would write corrupt, and records no zone holds', () => {
    const a = (n: string) => ({ type: 'A' as const, name: n, address: '192.0.2.1' });
    expect(() => parseDnsConfig({ zones: ['lab.test'], records: [a(`${'x'.repeat(64)}.lab.test`)] })).toThrow(
      /dns\.records\.0\.name: a name is labels/,
    );
    expect(() => parseDnsConfig({ zones: ['lab.test'], records: [a('bad name.lab.test')] })).toThrow(
      /records\.0\.name/,
    );
    expect(() =>
      parseDnsConfig({ zones: ['lab.test'], records: [{ type: 'TXT', name: 'lab.test', text: 'y'.repeat(256) }] }),
    ).toThrow(/at most 255 bytes/);
    expect(() => parseDnsConfig({ zones: ['lab.test'], records: [a('api.lab.tst')] })).toThrow(
      /dns\.records\.0\.name: api\.lab\.tst is in none of dns\.zones \(lab\.test\)/,
    );
    expect(
      parseDnsConfig({ zones: ['lab.test'], records: [a('API.Lab.Test.'), a(`${'x'.repeat(63)}.lab.test`)] }).records,
    ).toHaveLength(2);
  });

  it('a static PTR with no A record behind it is still answered', () => {
    const p = authority({ records: [{ type: 'PTR', name: '9.111.168.192.in-addr.arpa', target: 'lb.ocp.lab.test' }] });
    expect(p.lookup('9.111.168.192.in-addr.arpa', 'PTR')!.answers[0]?.data).toBe('lb.ocp.lab.test');
    expect(p.lookup('8.111.168.192.in-addr.arpa', 'PTR')!.rcode).toBe('NXDOMAIN');
  });
});
