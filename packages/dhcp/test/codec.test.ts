import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classlessRoutes,
  DhcpDecodeError,
  type DhcpOption,
  type DhcpPacket,
  decodePacket,
  domainSearch,
  encodePacket,
  ipList,
  subOptions,
  u16List,
  userClass,
} from './internals.js';

const ipArb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const asciiNoNul = (max: number) =>
  fc.string({ maxLength: max, unit: fc.integer({ min: 1, max: 126 }).map((c) => String.fromCharCode(c)) });

const optionsArb = fc
  .uniqueArray(
    fc.record({
      code: fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52),
      data: fc.uint8Array({ maxLength: 700 }),
    }),
    { selector: (o) => o.code, maxLength: 12 },
  )
  .map((opts) => opts as DhcpOption[]);

const packetArb = (emptyFields = false): fc.Arbitrary<DhcpPacket> =>
  fc
    .record({
      op: fc.constantFrom(1, 2),
      htype: fc.nat(255),
      hlen: fc.integer({ min: 0, max: 16 }),
      hops: fc.nat(255),
      xid: fc.nat(0xffffffff),
      secs: fc.nat(0xffff),
      flags: fc.nat(0xffff),
      ciaddr: ipArb,
      yiaddr: ipArb,
      siaddr: ipArb,
      giaddr: ipArb,
      chaddr: fc.uint8Array({ maxLength: 16 }),
      sname: emptyFields ? fc.constant('') : asciiNoNul(63),
      file: emptyFields ? fc.constant('') : asciiNoNul(127),
      options: optionsArb,
    })
    .map((p) => ({ ...p, chaddr: Uint8Array.from(p.chaddr.subarray(0, p.hlen), (b) => b) }))
    .map((p) => ({ ...p, chaddr: padTo(p.chaddr, p.hlen) }));

function padTo(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

function norm(p: DhcpPacket) {
  return { ...p, chaddr: [...p.chaddr], options: p.options.map((o) => ({ code: o.code, data: [...o.data] })) };
}

describe('DHCP packet codec', () => {
  it('decode(encode(p)) === p for any packet (long options split and joined per RFC 3396)', () => {
    fc.assert(
      fc.property(packetArb(), (p) => {
        expect(norm(decodePacket(encodePacket(p)))).toEqual(norm(p));
      }),
      { numRuns: 300 },
    );
  });

  it('overflows into file and sname (option 52) under a size limit and still round-trips', () => {
    const bigOptions = fc.uniqueArray(
      fc.record({
        code: fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52),
        data: fc.uint8Array({ minLength: 60, maxLength: 300 }),
      }),
      { selector: (o) => o.code, minLength: 2, maxLength: 4 },
    );
    fc.assert(
      fc.property(packetArb(true), bigOptions, (p0, options) => {
        const p = { ...p0, options };
        const total = options.reduce((n, o) => n + o.data.length + 2 * Math.ceil(o.data.length / 255), 0);
        fc.pre(total > 576 - 241 && total < 576 - 244 + 180);
        const bytes = encodePacket(p, { maxSize: 576 });
        expect(bytes.length).toBe(576);
        expect(bytes[240]).toBe(52);
        expect(norm(decodePacket(bytes))).toEqual(norm(p));
      }),
      { numRuns: 200 },
    );
  });

  it('pads replies to the 300-byte BOOTP minimum and ends options with 255', () => {
    const p = decodePacket(encodePacket({ ...base(), options: [{ code: 53, data: Uint8Array.of(1) }] }));
    expect(p.options).toEqual([{ code: 53, data: Uint8Array.of(1) }]);
    const bytes = encodePacket(base());
    expect(bytes.length).toBe(300);
    expect(bytes[240]).toBe(255);
  });

  it('keeps unknown options and joins split instances in order', () => {
    const bytes = encodePacket(base());
    const withOpts = Buffer.concat([bytes.subarray(0, 240), Buffer.from([224, 2, 1, 2, 0, 0, 224, 1, 3, 250, 0, 255])]);
    expect(decodePacket(withOpts).options).toEqual([
      { code: 224, data: Uint8Array.of(1, 2, 3) },
      { code: 250, data: new Uint8Array(0) },
    ]);
  });

  it('reads options from file and sname when option 52 says so', () => {
    const bytes = Buffer.from(encodePacket(base()));
    bytes.set([52, 1, 3, 53, 1, 1, 255], 240);
    bytes.set([12, 3, 0x61, 0x62, 0x63, 255], 108); // file
    bytes.set([12, 2, 0x64, 0x65, 255], 44); // sname continues option 12 after file
    const p = decodePacket(bytes);
    expect(p.file).toBe('');
    expect(p.sname).toBe('');
    expect(p.options.map((o) => [o.code, Buffer.from(o.data).toString('latin1')])).toEqual([
      [53, '\u0001'],
      [12, 'abcde'],
    ]);
  });

  it('never throws anything but DhcpDecodeError on random or mutated bytes', () => {
    const valid = encodePacket({
      ...base(),
      options: [
        { code: 53, data: Uint8Array.of(1) },
        { code: 55, data: Uint8Array.of(1, 3, 6) },
      ],
    });
    const mutated = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 20 }).chain((muts) =>
      fc.nat(valid.length).map((cut) => {
        const b = Buffer.from(valid);
        for (const [i, v] of muts) b[i] = v;
        return b.subarray(0, Math.max(cut, 200));
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), (bytes) => {
        try {
          decodePacket(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(DhcpDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects short packets, a missing cookie and hlen > 16 with typed errors', () => {
    expect(() => decodePacket(new Uint8Array(100))).toThrow(DhcpDecodeError);
    expect(() => decodePacket(new Uint8Array(300))).toThrow(/magic cookie/);
    const b = Buffer.from(encodePacket(base()));
    b[2] = 17;
    expect(() => decodePacket(b)).toThrow(/hlen/);
  });
});

describe('typed option values', () => {
  const tolerant = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(DhcpDecodeError);
    }
  };

  it('classless static routes (121) round-trip and reject garbage with typed errors', () => {
    const route = fc.record({ destination: ipArb, prefix: fc.integer({ min: 0, max: 32 }), router: ipArb }).map((r) => {
      const n = r.destination.split('.').map(Number);
      const keep = Math.ceil(r.prefix / 8);
      return { ...r, destination: n.map((b, i) => (i < keep ? b : 0)).join('.') };
    });
    fc.assert(
      fc.property(
        fc.array(route, { maxLength: 8 }),
        (rs) => void expect(classlessRoutes.decode(classlessRoutes.encode(rs))).toEqual(rs),
      ),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => tolerant(() => classlessRoutes.decode(b))));
  });

  it('domain search (119) round-trips and follows compression pointers without looping', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 5 }),
        (ns) => void expect(domainSearch.decode(domainSearch.encode(ns))).toEqual(ns),
      ),
    );
    // "eng.apple.com", then "marketing" + pointer to "apple.com" (RFC 3397 example)
    const wire = Uint8Array.of(
      3,
      101,
      110,
      103,
      5,
      97,
      112,
      112,
      108,
      101,
      3,
      99,
      111,
      109,
      0,
      9,
      109,
      97,
      114,
      107,
      101,
      116,
      105,
      110,
      103,
      0xc0,
      4,
    );
    expect(domainSearch.decode(wire)).toEqual(['eng.apple.com', 'marketing.apple.com']);
    expect(() => domainSearch.decode(Uint8Array.of(0xc0, 0))).toThrow(DhcpDecodeError);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (b) => tolerant(() => domainSearch.decode(b))));
  });

  it('user class (77) is RFC 3004 when it parses, else one bare string (iPXE)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,30}$/), { minLength: 1, maxLength: 4 }),
        (cs) => void expect(userClass.decode(userClass.encode(cs))).toEqual(cs),
      ),
    );
    expect(userClass.decode(Buffer.from('iPXE'))).toEqual(['iPXE']);
  });

  it('sub-options (43/175), address lists and option 93 round-trip', () => {
    const sub = fc.uniqueArray(
      fc.record({ code: fc.integer({ min: 1, max: 254 }), data: fc.uint8Array({ maxLength: 40 }) }),
      {
        selector: (o) => o.code,
        maxLength: 6,
      },
    );
    fc.assert(fc.property(sub, (s) => void expect(subOptions.decode(subOptions.encode(s))).toEqual(s)));
    fc.assert(
      fc.property(fc.array(ipArb, { maxLength: 6 }), (l) => void expect(ipList.decode(ipList.encode(l))).toEqual(l)),
    );
    fc.assert(
      fc.property(
        fc.array(fc.nat(0xffff), { maxLength: 4 }),
        (l) => void expect(u16List.decode(u16List.encode(l))).toEqual(l),
      ),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 30 }), (b) => tolerant(() => subOptions.decode(b))));
  });
});

function base(): DhcpPacket {
  return {
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0x12345678,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: Uint8Array.of(0x52, 0x54, 0, 0xaa, 0xbb, 1),
    sname: '',
    file: '',
    options: [],
  };
}
