import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeWithin, headerOnlyReply, parseQuery, readHeader, TcpFramer, udpLimit } from '../src/index.js';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const nameArb = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.'));
const typeArb = fc.constantFrom('A', 'AAAA', 'SRV', 'TXT', 'PTR', 'CNAME', 'SOA', 'NS', 'ANY' as const);

describe('parseQuery', () => {
  it('never throws, and is silent exactly when there is no header or the message is a response', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const buf = Buffer.from(bytes);
        const p = parseQuery(buf);
        const h = readHeader(buf);
        if (!h || h.flags & 0x8000) expect(p.kind).toBe('silent');
        else expect(p.kind).not.toBe('silent');
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads back every query dns-packet writes, EDNS included', () => {
    fc.assert(
      fc.property(
        fc.nat(0xffff),
        nameArb,
        typeArb,
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffff }),
        (id, name, type, edns, size) => {
          const bytes = dnsPacket.encode({
            type: 'query',
            id,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ name, type, class: 'IN' }],
            additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: size, flags: 0 } as dnsPacket.Answer] : [],
          });
          const p = parseQuery(bytes);
          expect(p.kind).toBe('query');
          if (p.kind !== 'query') return;
          expect(p.query.question).toMatchObject({ name, type });
          expect(p.query.header.id).toBe(id);
          // dns-packet writes a size of 0 as 4096
          expect(p.query.opt?.udpPayloadSize).toBe(edns ? size || 4096 : undefined);
        },
      ),
    );
  });

  it('FORMERR for a readable header with a broken body, NOTIMP for other opcodes', () => {
    const q = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'a.test', type: 'A' }] });
    const cut = q.subarray(0, q.length - 3);
    expect(parseQuery(cut)).toMatchObject({ kind: 'error', rcode: 'FORMERR' });
    const two = Buffer.from(q);
    two.writeUInt16BE(2, 4);
    expect(parseQuery(two)).toMatchObject({ kind: 'error', rcode: 'FORMERR' });
    const update = Buffer.from(q);
    update[2] = 5 << 3; // opcode UPDATE
    expect(parseQuery(update)).toMatchObject({ kind: 'error', rcode: 'NOTIMP' });
    // a label holding a "." could not be written back as the same question
    const dotted = Buffer.concat([q.subarray(0, 12), Buffer.from([3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1])]);
    expect(parseQuery(dotted)).toMatchObject({ kind: 'error', rcode: 'FORMERR' });
  });
});

describe('headerOnlyReply', () => {
  it('keeps id, opcode and RD, sets QR and the rcode, and holds no sections', () => {
    fc.assert(
      fc.property(
        fc.nat(0xffff),
        fc.nat(0xffff),
        fc.constantFrom('FORMERR', 'NOTIMP', 'REFUSED' as const),
        (id, flags, rc) => {
          const h = { id, flags: flags & 0x7fff, opcode: (flags >> 11) & 0xf, qdcount: 1 };
          const out = dnsPacket.decode(headerOnlyReply(h, rc));
          expect(out.id).toBe(id);
          expect(out.type).toBe('response');
          expect(((out.flags ?? 0) >> 11) & 0xf).toBe(h.opcode);
          expect(out.flag_rd).toBe(!!(flags & 0x100));
          expect((out as unknown as { rcode: string }).rcode).toBe(rc);
          expect(out.questions).toEqual([]);
        },
      ),
    );
  });
});

describe('encodeWithin and udpLimit', () => {
  it('never exceeds the limit, and sets TC exactly when it had to drop records', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 200 }), { maxLength: 40 }),
        fc.integer({ min: 512, max: 4096 }),
        (texts, limit) => {
          const reply: dnsPacket.Packet = {
            type: 'response',
            id: 1,
            questions: [{ name: 'big.test', type: 'TXT' }],
            answers: texts.map((t) => ({ type: 'TXT', name: 'big.test', ttl: 1, data: [t] })),
          };
          const full = dnsPacket.encode(reply).length;
          const { bytes, truncated } = encodeWithin(reply, limit);
          expect(bytes.length).toBeLessThanOrEqual(Math.max(limit, 12 + 14));
          expect(truncated).toBe(full > limit);
          const back = dnsPacket.decode(bytes);
          expect(back.flag_tc).toBe(truncated);
          expect(back.answers?.length).toBe(truncated ? 0 : texts.length);
        },
      ),
    );
  });

  it('is 512 without EDNS, else the client size clamped to [512, ours]', () => {
    fc.assert(
      fc.property(fc.nat(0xffff), fc.integer({ min: 512, max: 0xffff }), (theirs, ours) => {
        const opt = { udpPayloadSize: theirs } as dnsPacket.OptAnswer;
        const l = udpLimit(opt, ours);
        expect(l).toBe(Math.min(Math.max(theirs, 512), ours));
        expect(udpLimit(undefined, ours)).toBe(512);
      }),
    );
  });
});

describe('TcpFramer', () => {
  it('gives back every framed message however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (msgs, cuts) => {
          const stream = Buffer.concat(msgs.map((m) => TcpFramer.frame(m)));
          const f = new TcpFramer();
          const got: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length]!;
            got.push(...f.push(stream.subarray(at, at + n)));
            at += n;
          }
          expect(got.map((b) => [...b])).toEqual(msgs.map((m) => [...m]));
          expect(f.pending).toBe(0);
        },
      ),
    );
  });

  it('refuses to frame more than 65535 bytes', () => {
    expect(() => TcpFramer.frame(new Uint8Array(65536))).toThrow(/at most 65535 bytes/);
  });
});
