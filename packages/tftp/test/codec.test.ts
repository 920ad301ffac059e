import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodePacket,
  MAX_BLKSIZE,
  NetasciiDecoder,
  NetasciiEncoder,
  negotiate,
  TftpDecodeError,
  type TftpPacket,
} from '../src/index.js';

/** latin1 text without NUL (NUL is the field separator on the wire). */
const text = (min = 0, max = 40) =>
  fc
    .array(fc.integer({ min: 1, max: 255 }), { minLength: min, maxLength: max })
    .map((cs) => String.fromCharCode(...cs));
const modes = ['octet', 'netascii', 'mail'] as const;
/** Filenames that are not themselves a mode word when split at a NUL. */
const filename = text(1, 60).filter((f) => !modes.includes(f.toLowerCase() as 'octet'));
const optionName = text(1, 12)
  .map((s) => s.toLowerCase())
  .filter((s) => s === s.toLowerCase());
const options = fc.dictionary(optionName, text(0, 12), { maxKeys: 5 });

const packet: fc.Arbitrary<TftpPacket> = fc.oneof(
  fc.record({
    op: fc.constantFrom('RRQ' as const, 'WRQ' as const),
    filename,
    mode: fc.constantFrom(...modes),
    options,
  }),
  fc.record({
    op: fc.constant('DATA' as const),
    block: fc.integer({ min: 0, max: 0xffff }),
    data: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
  }),
  fc.record({ op: fc.constant('ACK' as const), block: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ op: fc.constant('ERROR' as const), code: fc.integer({ min: 0, max: 0xffff }), message: text() }),
  fc.record({ op: fc.constant('OACK' as const), options }),
);

describe('TFTP codec', () => {
  it('decodes a real tftp-hpa RRQ with options (bytes as captured)', () => {
    const wire = Buffer.from('\x00\x01pxelinux.0\x00octet\x00tsize\x000\x00blksize\x001468\x00', 'latin1');
    expect(decodePacket(wire)).toEqual({
      op: 'RRQ',
      filename: 'pxelinux.0',
      mode: 'octet',
      options: { tsize: '0', blksize: '1468' },
    });
  });

  it('lower-cases mode and option names, keeps a NUL inside a filename, tolerates a missing last NUL', () => {
    const p = decodePacket(Buffer.from('\x00\x01a\x00b\x00NetASCII\x00BlkSize\x00512', 'latin1'));
    expect(p).toEqual({ op: 'RRQ', filename: 'a\0b', mode: 'netascii', options: { blksize: '512' } });
  });

  it('rejects junk with a typed error only', () => {
    for (const hex of ['', '00', '0007', '0001', '000161000000', '0003', '0004ff', '0005']) {
      expect(() => decodePacket(Buffer.from(hex, 'hex'))).toThrow(TftpDecodeError);
    }
  });

  it('round-trips every packet (property)', () => {
    fc.assert(
      fc.property(packet, (p) => {
        expect(decodePacket(encodePacket(p))).toEqual(p);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but TftpDecodeError on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodePacket(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(TftpDecodeError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws anything but TftpDecodeError on mutated valid packets (property)', () => {
    fc.assert(
      fc.property(
        packet,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (p, muts) => {
          const buf = Buffer.from(encodePacket(p));
          for (const [at, v] of muts) if (buf.length > 0) buf[at % buf.length] = v;
          try {
            decodePacket(buf);
          } catch (err) {
            expect(err).toBeInstanceOf(TftpDecodeError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('option negotiation', () => {
  const limits = { maxBlksize: 1468, maxWindowsize: 64, fileSize: 1234, isRead: true };

  it('answers the UEFI tsize probe with the size and nothing else', () => {
    const n = negotiate({ tsize: '0' }, limits);
    expect(n.oack).toEqual({ tsize: '1234' });
    expect(n.tsizeRequested).toBe(true);
  });

  it('caps blksize at the server maximum and windowsize at its maximum', () => {
    const n = negotiate({ blksize: '65464', windowsize: '1000', timeout: '3' }, limits);
    expect(n).toMatchObject({ blksize: 1468, windowsize: 64, timeoutMs: 3000 });
    expect(n.oack).toEqual({ blksize: '1468', windowsize: '64', timeout: '3' });
  });

  it('drops invalid values instead of echoing them', () => {
    const n = negotiate({ blksize: '7', timeout: '0', windowsize: '0', tsize: '-1', multicast: '' }, limits);
    expect(n.oack).toEqual({});
    expect(n.blksize).toBe(512);
    expect(n.windowsize).toBe(1);
  });

  it('echoes only options the client asked for, within RFC bounds (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize', 'multicast', 'rollover', 'x'),
          fc.oneof(fc.nat({ max: 200_000 }).map(String), text(0, 6)),
        ),
        fc.integer({ min: 8, max: MAX_BLKSIZE }),
        fc.option(fc.nat(), { nil: undefined }),
        (req, maxBlksize, fileSize) => {
          const n = negotiate(req, { maxBlksize, maxWindowsize: 64, fileSize, isRead: true });
          for (const k of Object.keys(n.oack)) expect(Object.keys(req)).toContain(k);
          expect(n.blksize).toBeGreaterThanOrEqual(8);
          expect(n.blksize).toBeLessThanOrEqual(Math.max(512, maxBlksize));
          expect(n.windowsize).toBeGreaterThanOrEqual(1);
          expect(n.windowsize).toBeLessThanOrEqual(64);
          if (n.oack.blksize) expect(Number(n.oack.blksize)).toBeLessThanOrEqual(Number(req.blksize));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('netascii', () => {
  it('encodes LF as CR LF and CR as CR NUL', () => {
    expect(new NetasciiEncoder().push(Buffer.from('a\nb\rc'))).toEqual(Buffer.from('a\r\nb\r\0c', 'latin1'));
  });

  it('round-trips any bytes across any chunking (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat({ max: 400 }), { maxLength: 5 }), (a, cuts) => {
        const input = Buffer.from(a);
        const wire = new NetasciiEncoder().push(input);
        const dec = new NetasciiDecoder();
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y);
        const parts: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, wire.length]) {
          parts.push(dec.push(wire.subarray(prev, p)));
          prev = p;
        }
        parts.push(dec.end());
        expect(Buffer.concat(parts)).toEqual(input);
      }),
      { numRuns: 2000 },
    );
  });
});
