import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksum,
  decodeAsf,
  decodeBootFlags,
  decodeOpenSessionRequest,
  decodeRakp1,
  decodeRakp3,
  decodeRequest,
  decodeResponse,
  decodeRmcp,
  decodeRmcpPlus,
  decodeSession15,
  decodeSol,
  decryptPayload,
  deriveKeys,
  encodeBootFlags,
  encodeOpenSessionRequest,
  encodeRakp1,
  encodeRakp3,
  encodeRequest,
  encodeResponse,
  encodeRmcp,
  encodeRmcpPlus,
  encodeSession15,
  encodeSol,
  encryptPayload,
  guidBytes,
  IpmiDecodeError,
  integrityCode,
  md5AuthCode,
  SUITE_3,
  SUITE_17,
  uuidFromGuid,
  verifyIntegrity,
} from './support/internals.js';

const bytes = (min = 0, max = 64) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Decoding arbitrary bytes either succeeds or throws IpmiDecodeError, nothing else. */
function onlyDecodeErrors(fn: (b: Buffer) => unknown) {
  fc.assert(
    fc.property(bytes(0, 300), (b) => {
      try {
        fn(b);
      } catch (err) {
        if (!(err instanceof IpmiDecodeError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
}

const request = fc.record({
  rsAddr: fc.integer({ min: 0, max: 255 }),
  netFn: fc.integer({ min: 0, max: 63 }),
  rsLun: fc.integer({ min: 0, max: 3 }),
  rqAddr: fc.integer({ min: 0, max: 255 }),
  rqSeq: fc.integer({ min: 0, max: 63 }),
  rqLun: fc.integer({ min: 0, max: 3 }),
  cmd: fc.integer({ min: 0, max: 255 }),
  data: bytes(0, 40),
});

describe('IPMI codecs (fast-check)', () => {
  it('IPMI message: request round-trips and a flipped byte breaks a checksum', () => {
    fc.assert(
      fc.property(request, fc.nat(), fc.integer({ min: 1, max: 255 }), (req, at, flip) => {
        const wire = encodeRequest(req);
        expect(decodeRequest(wire)).toEqual(req);
        const bad = Buffer.from(wire);
        bad[at % bad.length]! ^= flip;
        expect(() => decodeRequest(bad)).toThrow(IpmiDecodeError);
      }),
    );
  });

  it('IPMI message: response carries sequence, command and completion code', () => {
    fc.assert(
      fc.property(request, fc.integer({ min: 0, max: 255 }), bytes(0, 40), (req, cc, data) => {
        const rsp = decodeResponse(encodeResponse(req, cc, data));
        expect(rsp).toMatchObject({ rqSeq: req.rqSeq, cmd: req.cmd, completionCode: cc, netFn: req.netFn | 1 });
        expect(rsp.data).toEqual(data);
      }),
    );
  });

  it('checksum makes every range sum to zero', () => {
    fc.assert(
      fc.property(bytes(0, 64), (b) => {
        const sum = [...b, checksum(b)].reduce((a, x) => (a + x) & 0xff, 0);
        expect(sum).toBe(0);
      }),
    );
  });

  it('IPMI 1.5 session framing round-trips, with and without auth code', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 2),
        u32,
        u32,
        bytes(16, 16),
        bytes(0, 255),
        (authType, seq, sid, code, payload) => {
          const frame = { authType, sequence: seq, sessionId: sid, ...(authType ? { authCode: code } : {}), payload };
          expect(decodeSession15(encodeSession15(frame))).toEqual(frame);
        },
      ),
    );
  });

  it('MD5 auth code depends on every input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 16 }), u32, bytes(1, 30), u32, (pw, sid, msg, seq) => {
        const a = md5AuthCode(pw, sid, msg, seq);
        expect(a).toHaveLength(16);
        expect(md5AuthCode(pw, sid, msg, (seq + 1) >>> 0).equals(a)).toBe(false);
        expect(md5AuthCode(`${pw}x`.slice(0, 16) === pw ? `${pw}y` : `${pw}x`, sid, msg, seq).equals(a)).toBe(false);
      }),
    );
  });

  it('RMCP+ framing round-trips; signed packets verify and a flipped byte fails the ICV', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SUITE_3, SUITE_17),
        bytes(20, 20),
        u32,
        u32,
        bytes(0, 100),
        fc.nat(),
        (suite, sik, sid, seq, plain, at) => {
          const keys = deriveKeys(suite, sik);
          const payload = encryptPayload(keys, plain);
          const wire = encodeRmcpPlus({
            payloadType: 0,
            sessionId: sid,
            sequence: seq,
            encrypted: true,
            payload,
            sign: (s) => integrityCode(suite, keys, s),
          });
          const f = decodeRmcpPlus(wire, () => suite.icvLength);
          expect(f).toMatchObject({ sessionId: sid, sequence: seq, encrypted: true, authenticated: true });
          expect(verifyIntegrity(suite, keys, f.signed!, f.authCode!)).toBe(true);
          expect(decryptPayload(keys, f.payload)).toEqual(plain);
          const bad = Buffer.from(wire);
          bad[at % bad.length]! ^= 0x01;
          let rejected: boolean;
          try {
            const g = decodeRmcpPlus(bad, () => suite.icvLength);
            rejected = !verifyIntegrity(suite, keys, g.signed!, g.authCode!) || g.sessionId !== sid;
          } catch (err) {
            expect(err).toBeInstanceOf(IpmiDecodeError);
            rejected = true;
          }
          expect(rejected).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('AES-CBC-128 payloads round-trip for every length', () => {
    fc.assert(
      fc.property(bytes(20, 20), bytes(0, 300), (sik, plain) => {
        const keys = deriveKeys(SUITE_17, sik);
        const c = encryptPayload(keys, plain);
        expect(c.length % 16).toBe(0);
        expect(decryptPayload(keys, c)).toEqual(plain);
      }),
    );
  });

  it('Open Session, RAKP1 and RAKP3 round-trip', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 63 }), (sid, priv, alg) => {
        const req = {
          tag: 7,
          maxPrivilege: priv,
          consoleSessionId: sid,
          auth: alg,
          integrity: alg,
          confidentiality: alg,
        };
        expect(decodeOpenSessionRequest(encodeOpenSessionRequest(req))).toEqual(req);
      }),
    );
    fc.assert(
      fc.property(u32, bytes(16, 16), fc.integer({ min: 0, max: 255 }), bytes(0, 16), (sid, rnd, role, name) => {
        const r = { tag: 1, bmcSessionId: sid, consoleRandom: rnd, role, userName: name };
        expect(decodeRakp1(encodeRakp1(r))).toEqual(r);
        const r3 = { tag: 2, status: 0, bmcSessionId: sid, authCode: rnd };
        expect(decodeRakp3(encodeRakp3(r3))).toEqual(r3);
      }),
    );
  });

  it('boot flags round-trip', () => {
    fc.assert(
      fc.property(bytes(5, 5), (b) => {
        expect(encodeBootFlags(decodeBootFlags(b))).toEqual(Buffer.from([b[0]! & 0xe0, b[1]!, b[2]!, b[3]!, b[4]!]));
      }),
    );
  });

  it('SOL packets and GUIDs round-trip', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 255 }),
        bytes(0, 200),
        (s, a, n, d) => {
          const p = { sequence: s, ackSequence: a, acceptedCount: n, control: 0, data: d };
          expect(decodeSol(encodeSol(p))).toEqual(p);
        },
      ),
    );
    fc.assert(
      fc.property(fc.uuid(), (u) => {
        expect(uuidFromGuid(guidBytes(u))).toBe(u.toLowerCase());
      }),
    );
  });

  it('every decoder throws only IpmiDecodeError on arbitrary bytes', () => {
    onlyDecodeErrors(decodeRmcp);
    onlyDecodeErrors(decodeAsf);
    onlyDecodeErrors(decodeSession15);
    onlyDecodeErrors((b) => decodeRmcpPlus(b, () => 12));
    onlyDecodeErrors((b) => decodeRmcpPlus(b, () => 0));
    onlyDecodeErrors(decodeRequest);
    onlyDecodeErrors(decodeResponse);
    onlyDecodeErrors(decodeOpenSessionRequest);
    onlyDecodeErrors(decodeRakp1);
    onlyDecodeErrors(decodeRakp3);
    onlyDecodeErrors(decodeBootFlags);
    onlyDecodeErrors(decodeSol);
    onlyDecodeErrors((b) => decryptPayload(deriveKeys(SUITE_3, Buffer.alloc(20)), b));
    onlyDecodeErrors((b) => encodeRmcp(7, b));
  });
});
