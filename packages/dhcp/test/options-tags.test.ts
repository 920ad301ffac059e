import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engine, MAC, send } from './engine-fixture.js';
import {
  classlessRoutes,
  clientPacket,
  type DhcpEngineOptions,
  decodePacket,
  dhcpSection,
  encodePacket,
  findOption,
  ip,
  ipList,
  MessageType,
  Opt,
  text,
} from './internals.js';

const DISCOVER = { type: MessageType.Discover } as const;

describe('free-form options', () => {
  it('by code and by name, subnet < tag < reservation, overriding the built-in router', () => {
    const e = engine({
      options: { 121: '10.99.0.0/16,172.30.0.254', 'ntp-server': ['172.30.0.5'], router: '172.30.0.9' },
      subnets: [],
      match: [{ set: 'lab', mac: '52:54:00:aa:*' }],
      tags: { lab: { options: { 'ntp-server': '172.30.0.6', 'root-path': '/lab' } } },
      reservations: [{ mac: MAC, ip: '172.30.0.50', options: { 'root-path': '/mine' } }],
    });
    const { reply } = send(e, DISCOVER);
    expect(classlessRoutes.decode(findOption(reply!, Opt.ClasslessRoutes)!)).toEqual([
      { destination: '10.99.0.0', prefix: 16, router: '172.30.0.254' },
    ]);
    expect(ipList.decode(findOption(reply!, 42)!)).toEqual(['172.30.0.6']);
    expect(ipList.decode(findOption(reply!, Opt.Router)!)).toEqual(['172.30.0.9']);
    expect(reply!.options.filter((o) => o.code === Opt.Router)).toHaveLength(1);
    expect(text.decode(findOption(reply!, 17)!)).toBe('/mine');
    // another client: no tag, no reservation
    const other = send(e, { ...DISCOVER, mac: '52:54:01:00:00:01' }).reply!;
    expect(ipList.decode(findOption(other, 42)!)).toEqual(['172.30.0.5']);
    expect(findOption(other, 17)).toBeUndefined();
  });

  it('per subnet, over the instance options', () => {
    const e = engine({
      options: { mtu: 1500 },
      subnets: [
        { subnet: '172.31.0.0/24', rangeStart: '172.31.0.100', rangeEnd: '172.31.0.110', options: { mtu: 9000 } },
      ],
    });
    const near = send(e, DISCOVER).reply!;
    const far = send(e, { ...DISCOVER, giaddr: '172.31.0.1' }).reply!;
    expect([...findOption(near, 26)!]).toEqual([0x05, 0xdc]);
    expect([...findOption(far, 26)!]).toEqual([0x23, 0x28]);
  });

  it('a bad value fails at config load naming its key', () => {
    const bad = (options: Record<string, unknown>) => () => dhcpSection.parse({ options });
    expect(bad({ 121: '10.99.0.0/33,172.30.0.254' })).toThrow(/"121"|121/);
    const r = dhcpSection.safeParse({ options: { 'ntp-server': 'not-an-ip' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['options', 'ntp-server']);
    expect(r.error!.issues[0]!.message).toMatch(/not-an-ip/);
    expect(dhcpSection.safeParse({ options: { mtu: 70000 } }).error!.issues[0]!.path).toEqual(['options', 'mtu']);
    expect(dhcpSection.safeParse({ options: { 'no-such-option': 1 } }).success).toBe(false);
    expect(dhcpSection.safeParse({ options: { 53: '01' } }).error!.issues[0]!.message).toMatch(/set by the server/);
    expect(dhcpSection.safeParse({ tags: { x: { options: { mtu: 'big' } } } }).error!.issues[0]!.path).toEqual([
      'tags',
      'x',
      'options',
      'mtu',
    ]);
    expect(dhcpSection.safeParse({ match: [{ set: 'x', mac: '52:54:zz:*' }] }).success).toBe(false);
    expect(dhcpSection.safeParse({ match: [{ set: 'x', option: 93, value: 'efi' }] }).success).toBe(false);
    expect(dhcpSection.safeParse({ reservations: [{ ip: '172.30.0.5' }] }).success).toBe(false);
    expect(() => engine({ options: { 121: 'x' } })).toThrow(/dhcp\.options\.121/);
  });
});

describe('match rules and tags', () => {
  const tagged = (match: DhcpEngineOptions['match']) => engine({ match, tags: { chosen: { bootFile: 'chosen.efi' } } });

  it('option 77 (RFC 3004 or a bare string) chooses a boot file, for a non-PXE client too', () => {
    const e = tagged([{ set: 'chosen', option: 77, value: 'lab*' }]);
    expect(send(e, { ...DISCOVER, userClasses: ['other', 'lab-node'] }).reply!.file).toBe('chosen.efi');
    expect(send(e, { ...DISCOVER, userClassRaw: 'labx' }).reply!.file).toBe('chosen.efi');
    const none = send(e, { ...DISCOVER, userClassRaw: 'nolab' });
    expect(none.reply!.file).toBe('');
    expect(none.tx.outcome).toMatch(/no boot file/);
  });

  it('option 60 glob, option 93 architecture, option 175 presence and sub-option, MAC pattern', () => {
    expect(
      send(tagged([{ set: 'chosen', option: 'vendor-class', value: 'PXEClient:Arch:00007*' }]), {
        ...DISCOVER,
        vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
      }).reply!.file,
    ).toBe('chosen.efi');
    expect(send(tagged([{ set: 'chosen', option: 93, value: 7 }]), { ...DISCOVER, arch: 7 }).reply!.file).toBe(
      'chosen.efi',
    );
    expect(send(tagged([{ set: 'chosen', option: 93, value: 7 }]), { ...DISCOVER, arch: 0 }).reply!.file).not.toBe(
      'chosen.efi',
    );
    expect(send(tagged([{ set: 'chosen', option: 175 }]), { ...DISCOVER, ipxe: true }).reply!.file).toBe('chosen.efi');
    expect(send(tagged([{ set: 'chosen', option: 175, value: 19 }]), { ...DISCOVER, ipxe: true }).reply!.file).toBe(
      'chosen.efi',
    );
    // no tag: the boot policy's iPXE script, not the tag's file
    expect(send(tagged([{ set: 'chosen', option: 175, value: 21 }]), { ...DISCOVER, ipxe: true }).reply!.file).toMatch(
      /boot\.ipxe$/,
    );
    expect(send(tagged([{ set: 'chosen', mac: '52:54:00:*' }]), DISCOVER).reply!.file).toBe('chosen.efi');
    expect(send(tagged([{ set: 'chosen', mac: '52:54:01:*' }]), DISCOVER).reply!.file).toBe('');
  });

  it('reservation tags and the interface tag', () => {
    const e = engine({
      interfaceTag: 'br0',
      tags: { br0: { options: { mtu: 1400 } }, gold: { bootFile: 'gold.kpxe' } },
      reservations: [{ mac: MAC, ip: '172.30.0.50', tags: ['gold'] }],
    });
    const r = send(e, DISCOVER).reply!;
    expect(r.file).toBe('gold.kpxe');
    expect([...findOption(r, 26)!]).toEqual([0x05, 0x78]);
  });
});

describe('reservations by client-id and hostname', () => {
  it('client-id wins over the MAC, hostname-only reservations match option 12', () => {
    const e = engine({
      reservations: [
        { mac: MAC, ip: '172.30.0.50' },
        { clientId: 'ff:00:11:22:33', ip: '172.30.0.51' },
        { clientId: 'text-id', ip: '172.30.0.53' },
        { hostname: 'Worker-7', ip: '172.30.0.52' },
      ],
    });
    const cid = (bytes: number[]) => [{ code: Opt.ClientId, data: Uint8Array.from(bytes) }];
    expect(send(e, DISCOVER).reply!.yiaddr).toBe('172.30.0.50');
    expect(send(e, { ...DISCOVER, extraOptions: cid([0xff, 0, 0x11, 0x22, 0x33]) }).reply!.yiaddr).toBe('172.30.0.51');
    expect(
      send(e, { ...DISCOVER, mac: '52:54:00:00:00:09', extraOptions: [{ code: 61, data: text.encode('text-id') }] })
        .reply!.yiaddr,
    ).toBe('172.30.0.53');
    const named = send(e, {
      ...DISCOVER,
      mac: '52:54:00:00:00:07',
      extraOptions: [{ code: Opt.Hostname, data: text.encode('worker-7') }],
    }).reply!;
    expect(named.yiaddr).toBe('172.30.0.52');
    expect(text.decode(findOption(named, Opt.Hostname)!)).toBe('Worker-7');
    // nobody else gets a reserved address, even by asking for it
    const stranger = send(e, { ...DISCOVER, mac: '52:54:00:00:00:08', requestedIp: '172.30.0.51' }).reply!;
    expect(stranger.yiaddr).toMatch(/^172\.30\.0\.1\d\d$/);
  });
});

describe('authoritative', () => {
  const initReboot = { type: MessageType.Request, requestedIp: '172.30.0.105' } as const;
  const rebind = { type: MessageType.Request, ciaddr: '10.9.9.9' } as const;

  it('true (default): NAK a REQUEST we hold no lease for that cannot be granted', () => {
    const e = engine({ reservations: [{ mac: '52:54:00:00:00:42', ip: '172.30.0.105' }] });
    expect(send(e, initReboot).tx.outcome).toMatch(/^NAK/);
    expect(send(e, { ...initReboot, requestedIp: '10.0.0.5' }).tx.outcome).toMatch(/^NAK/);
    expect(send(e, rebind).tx.outcome).toMatch(/^NAK/);
  });

  it('false: silent for unknown leases, still NAKs a client whose lease it holds', () => {
    const e = engine({ authoritative: false, reservations: [{ mac: '52:54:00:00:00:42', ip: '172.30.0.105' }] });
    for (const r of [initReboot, { ...initReboot, requestedIp: '10.0.0.5' }, rebind]) {
      const { tx } = send(e, r);
      expect(tx.outcome).toMatch(/^ignored: not authoritative/);
      expect(tx.reply).toBeUndefined();
    }
    // a free address is still granted without a prior offer (INIT-REBOOT of a known-good address)
    expect(send(e, { ...initReboot, requestedIp: '172.30.0.106' }).tx.outcome).toBe('ACK 172.30.0.106 no boot file');
    expect(send(e, { ...initReboot, requestedIp: '172.30.0.107' }).tx.outcome).toMatch(
      /^NAK: .* holds 172\.30\.0\.106/,
    );
    expect(dhcpSection.parse({}).authoritative).toBe(true);
  });
});

describe('option value and pattern parsers (property)', () => {
  const octet = fc.nat(255);
  const addr = fc.tuple(octet, octet, octet, octet).map((b) => b.join('.'));

  it('addresses and routes round-trip through the config form', async () => {
    const { compileOptions } = await import('../src/codec/option-value.js');
    fc.assert(
      fc.property(fc.array(addr, { minLength: 1, maxLength: 8 }), (list) => {
        const [o] = compileOptions({ 'ntp-server': list });
        expect(ipList.decode(o!.data)).toEqual(list);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(32), addr, addr), { minLength: 1, maxLength: 6 }), (routes) => {
        const value = routes.map(([p, d, r]) => `${d}/${p},${r}`).join(',');
        const [o] = compileOptions({ 121: value });
        const decoded = classlessRoutes.decode(o!.data);
        expect(decoded.map((x) => [x.prefix, x.router])).toEqual(routes.map(([p, , r]) => [p, r]));
        // the destination keeps its significant octets
        decoded.forEach((x, i) => {
          const sig = Math.ceil(x.prefix / 8);
          expect(x.destination.split('.').slice(0, sig)).toEqual(routes[i]![1].split('.').slice(0, sig));
        });
      }),
    );
  });

  it('integers are range-checked; anything else throws OptionValueError, never something else', async () => {
    const { compileOptions, OptionValueError } = await import('../src/codec/option-value.js');
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }), (n) => {
        if (n >= 0 && n <= 0xffff) expect(compileOptions({ mtu: n })[0]!.data).toEqual(Uint8Array.of(n >> 8, n & 255));
        else expect(() => compileOptions({ mtu: n })).toThrow(OptionValueError);
      }),
    );
    const anyValue = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.array(fc.oneof(fc.string(), fc.integer())),
    );
    const anyKey = fc.oneof(
      fc.string(),
      fc.integer({ min: -5, max: 300 }).map(String),
      fc.constantFrom('router', '121', 'hostname', 'domain-search', 'user-class', 'ip-forward-enable', '224'),
    );
    fc.assert(
      fc.property(anyKey, anyValue, (k, v) => {
        try {
          const out = compileOptions({ [k]: v as never });
          expect(out).toHaveLength(1);
        } catch (err) {
          expect(err).toBeInstanceOf(OptionValueError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a MAC pattern matches exactly the MACs that agree on its fixed octets', async () => {
    const { formatMacPattern, macMatches, parseMacPattern } = await import('../src/tags.js');
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(mac, mac, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (a, b, wild) => {
        const pattern = [...a].map((x, i) => (wild[i] ? '*' : x.toString(16).padStart(2, '0'))).join(':');
        const p = parseMacPattern(pattern);
        expect(formatMacPattern(p)).toBe(pattern);
        expect(macMatches(p, a)).toBe(true);
        const agree = [...a].every((x, i) => wild[i] || x === b[i]);
        expect(macMatches(p, b)).toBe(agree);
      }),
    );
    fc.assert(
      fc.property(mac, fc.integer({ min: 1, max: 5 }), (a, keep) => {
        const prefix = [...a].slice(0, keep).map((x) => x.toString(16).padStart(2, '0'));
        expect(macMatches(parseMacPattern([...prefix, '*'].join(':')), a)).toBe(true);
        // without the trailing "*" a short pattern is not a pattern
        expect(() => parseMacPattern(prefix.join(':'))).toThrow();
      }),
    );
  });

  it('a configured client-id (hex or text) matches the request carrying those bytes, and only those', async () => {
    const { clientIdentity, findReservation, normalizeClientId } = await import('../src/reservation.js');
    const req = (bytes: Uint8Array) =>
      decodePacket(
        encodePacket(
          clientPacket({ mac: MAC, xid: 1, type: MessageType.Discover, extraOptions: [{ code: 61, data: bytes }] }),
        ),
      );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 40 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        (a, b) => {
          const hex = [...a].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':');
          const list = [{ clientId: normalizeClientId(hex), ip: '172.30.0.9' }];
          expect(findReservation(list, clientIdentity(req(a), MAC))).toBe(list[0]);
          const same = a.length === b.length && a.every((x, i) => x === b[i]);
          expect(findReservation(list, clientIdentity(req(b), MAC)) !== undefined).toBe(same);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }).filter((t) => !/^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(t)),
        (t) => {
          const list = [{ clientId: normalizeClientId(t), ip: '172.30.0.9' }];
          expect(findReservation(list, clientIdentity(req(text.encode(t)), MAC))).toBe(list[0]);
        },
      ),
    );
  });

  it('a glob matches its own literal text, and "*" anything', async () => {
    const { globToRegExp } = await import('../src/tags.js');
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('*')),
        fc.string(),
        (lit, any) => {
          expect(globToRegExp(lit).test(lit)).toBe(true);
          expect(globToRegExp(`${lit}*`).test(lit + any)).toBe(true);
          expect(globToRegExp(lit).test(`${lit}x`)).toBe(false);
        },
      ),
    );
  });
});

describe('interfaces', () => {
  it('one section per interface; section keys inherited, options merged, reservations placed by subnet', async () => {
    const { interfaceSections } = await import('../src/interfaces.js');
    const s = dhcpSection.parse({
      enabled: true,
      dns: ['10.0.0.53'],
      options: { mtu: 1500, 'ntp-server': '10.0.0.1' },
      reservations: [{ mac: '52:54:00:00:00:01', ip: '172.31.0.9' }],
      interfaces: [
        { name: 'br0', subnet: '172.30.0.0/24', router: '172.30.0.1', options: { mtu: 9000 } },
        { name: 'br1', subnet: '172.31.0.0/24', router: '172.31.0.1', dns: ['172.31.0.1'] },
      ],
    });
    const [a, b] = interfaceSections(s);
    expect(a).toMatchObject({ interface: 'br0', subnet: '172.30.0.0/24', dns: ['10.0.0.53'], reservations: [] });
    expect(a!.options).toEqual({ mtu: 9000, 'ntp-server': '10.0.0.1' });
    expect(b).toMatchObject({ interface: 'br1', router: '172.31.0.1', dns: ['172.31.0.1'] });
    expect(b!.reservations.map((r) => r.ip)).toEqual(['172.31.0.9']);
    expect(dhcpSection.safeParse({ interface: 'br0', interfaces: [{ name: 'br1' }] }).success).toBe(false);
    expect(dhcpSection.safeParse({ interfaces: [{ name: 'br1' }, { name: 'br1' }] }).success).toBe(false);
    const lost = dhcpSection.parse({
      reservations: [{ mac: '52:54:00:00:00:01', ip: '10.1.1.1' }],
      interfaces: [{ name: 'br0', subnet: '172.30.0.0/24' }],
    });
    expect(() => interfaceSections(lost)).toThrow(/10\.1\.1\.1/);
    expect(ip.decode(ip.encode('1.2.3.4'))).toBe('1.2.3.4');
  });
});
