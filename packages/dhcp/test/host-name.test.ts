import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientPacket,
  DhcpEngine,
  decodePacket,
  dhcpHostNames,
  encodePacket,
  LeaseStore,
  MessageType,
  Opt,
  sanitizeHostname,
  text,
} from './internals.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

describe('sanitizeHostname', () => {
  it('always yields one RFC 1123 label or nothing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (raw) => {
        const s = sanitizeHostname(raw);
        if (s !== undefined) expect(s).toMatch(LABEL);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a valid label as it is (lower-cased) and is idempotent', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?$/);
    fc.assert(
      fc.property(label, fc.string({ maxLength: 30 }), (l, rest) => {
        expect(sanitizeHostname(l)).toBe(l.toLowerCase());
        const once = sanitizeHostname(`${l}.${rest}`);
        expect(once).toBe(l.toLowerCase());
        expect(sanitizeHostname(once!)).toBe(once);
      }),
    );
  });

  it('cleans what clients really send', () => {
    expect(sanitizeHostname('My_Laptop.example.com\0')).toBe('my-laptop');
    expect(sanitizeHostname('--x--')).toBe('x');
    expect(sanitizeHostname('  ')).toBeUndefined();
    expect(sanitizeHostname('.hidden')).toBeUndefined();
    expect(sanitizeHostname('a'.repeat(80))).toBe('a'.repeat(63));
  });
});

describe('client-sent hostname (option 12) in the lease', () => {
  const MAC = '52:54:00:aa:bb:01';
  const engine = (store: LeaseStore) =>
    new DhcpEngine(
      {
        mode: 'server',
        serverAddress: '172.30.0.1',
        subnet: '172.30.0.0/24',
        rangeStart: '172.30.0.100',
        rangeEnd: '172.30.0.110',
        leaseTimeSec: 3600,
        reservations: [{ mac: '52:54:00:aa:bb:99', ip: '172.30.0.50', hostname: 'master-0' }],
      },
      store,
    );
  const wire = (init: Parameters<typeof clientPacket>[0]) => decodePacket(encodePacket(clientPacket(init)));
  const named = (name: string) => ({ code: Opt.Hostname, data: text.encode(name) });

  it('stores the sanitised client name once bound, and the reservation name wins over it', () => {
    const store = new LeaseStore();
    const e = engine(store);
    const now = 1_000_000;
    const offer = e.handle(
      wire({ type: MessageType.Discover, mac: MAC, xid: 1, extraOptions: [named('Foo_Bar')] }),
      now,
    );
    const addr = offer.reply!.packet.yiaddr;
    const before = store.version;
    e.handle(
      wire({
        type: MessageType.Request,
        mac: MAC,
        xid: 2,
        requestedIp: addr,
        serverId: '172.30.0.1',
        extraOptions: [named('Foo_Bar')],
      }),
      now,
    );
    expect(store.version).toBeGreaterThan(before);
    expect(store.getByMac(MAC)).toMatchObject({ state: 'bound', ip: addr, hostname: 'foo-bar' });

    e.handle(
      wire({ type: MessageType.Discover, mac: '52:54:00:aa:bb:99', xid: 3, extraOptions: [named('evil')] }),
      now,
    );
    e.handle(
      wire({
        type: MessageType.Request,
        mac: '52:54:00:aa:bb:99',
        xid: 4,
        requestedIp: '172.30.0.50',
        serverId: '172.30.0.1',
        extraOptions: [named('evil')],
      }),
      now,
    );
    expect(store.getByMac('52:54:00:aa:bb:99')?.hostname).toBe('master-0');
  });
});

describe('dhcpHostNames', () => {
  const base = { mac: '52:54:00:00:00:01', state: 'bound' as const, expiresAt: 2000 };
  it('reservations first, bound unexpired leases next, the later lease wins a shared name', () => {
    const names = dhcpHostNames(
      [{ mac: '52:54:00:00:00:09', ip: '10.0.0.9', hostname: 'Master-0' }],
      [
        { ...base, ip: '10.0.0.100', hostname: 'master-0' },
        { ...base, ip: '10.0.0.101', hostname: 'foo' },
        { ...base, ip: '10.0.0.102', hostname: 'foo', expiresAt: 3000 },
        { ...base, ip: '10.0.0.103', hostname: 'gone', expiresAt: 500 },
        { ...base, ip: '10.0.0.104', hostname: 'offered', state: 'offered' },
      ],
      1000,
    );
    expect(names).toEqual([
      { name: 'master-0', address: '10.0.0.9', origin: 'dhcp-reservation' },
      { name: 'foo', address: '10.0.0.102', origin: 'dhcp-lease' },
    ]);
  });
});
