import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dhcpSection } from '@bmc-emu/dhcp';
import {
  composeConfigSchema,
  ErrorCode,
  formatMac,
  intToIpv4,
  ipv4ToInt,
  isBmcEmuError,
  isIpv4,
  loadConfig,
  macSchema,
  normalizeMac,
  parseMac,
  tryNormalizeMac,
} from '../src/index.js';

const macBytes = fc.uint8Array({ minLength: 6, maxLength: 6 });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const randomCase = (s: string, flips: boolean[]) =>
  [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');

/** Every spelling users paste, built from the bytes independently of the code under test. */
function spellings(b: Uint8Array): string[] {
  const h = hex(b);
  const pairs = h.match(/../g)!;
  const quads = h.match(/..../g)!;
  return [pairs.join(':'), pairs.join('-'), h, quads.join('.')];
}

describe('normalizeMac', () => {
  it('gives every accepted spelling, in any case, the same lower-case colon form', () => {
    fc.assert(
      fc.property(macBytes, fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), (b, flips) => {
        const canonical = hex(b).match(/../g)!.join(':');
        for (const s of spellings(b)) {
          expect(normalizeMac(randomCase(s, flips))).toBe(canonical);
          expect(normalizeMac(`  ${s}\t`)).toBe(canonical);
        }
        expect(formatMac(parseMac(randomCase(hex(b), flips)))).toBe(canonical);
      }),
    );
  });

  it('is idempotent and round-trips through bytes', () => {
    fc.assert(
      fc.property(macBytes, (b) => {
        const m = formatMac(b);
        expect(normalizeMac(normalizeMac(m))).toBe(m);
        expect([...parseMac(m)]).toEqual([...b]);
      }),
    );
  });

  it('refuses anything that is not one of the spellings, with BMCEMU_INVALID_ARGUMENT', () => {
    const refused = [
      '',
      '52:54:00:00:00',
      '52:54:00:00:00:01:02',
      '52:54:00-00:00:01',
      '52545400000001',
      '5254000000',
      '52:54:00:00:00:0g',
      '5254.0000.00.01',
      '525.4000.00001',
      '52 54 00 00 00 01',
      '52:54:0:0:0:1',
      'master-0',
      '00000000-0000-0000-0000-000000000001',
    ];
    for (const s of refused) {
      expect(tryNormalizeMac(s), s).toBeUndefined();
      expect(() => normalizeMac(s), s).toThrow(/Not a MAC address/);
      try {
        normalizeMac(s);
      } catch (err) {
        expect(isBmcEmuError(err, ErrorCode.InvalidArgument)).toBe(true);
      }
    }
  });

  it('refuses random strings unless they hold exactly 12 hex digits in an accepted layout', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const out = tryNormalizeMac(s);
        if (out === undefined) return;
        expect(out).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
        expect(
          s
            .trim()
            .replace(/[^0-9a-fA-F]/g, '')
            .toLowerCase(),
        ).toBe(out.replaceAll(':', ''));
      }),
    );
  });

  it('the zod schema yields the canonical form and names the key it refuses', async () => {
    expect(macSchema.parse('5254.0000.00AB')).toBe('52:54:00:00:00:ab');
    const schema = composeConfigSchema({ dhcp: dhcpSection });
    const c = await loadConfig({
      schema,
      env: {},
      overrides: { dhcp: { reservations: [{ mac: '525400000001', ip: '172.30.0.11' }] } },
    });
    expect(c.dhcp.reservations[0]?.mac).toBe('52:54:00:00:00:01');
    const err = await loadConfig({
      schema,
      env: {},
      overrides: {
        dhcp: {
          reservations: [
            { mac: '52:54:00:00:00:01', ip: '172.30.0.11' },
            { mac: '52:54:00', ip: '172.30.0.12' },
          ],
        },
      },
    }).catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.ConfigInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/dhcp\.reservations\.1\.mac: "52:54:00" is not a MAC address/);
  });
});

describe('ipv4ToInt / intToIpv4', () => {
  it('round-trips every 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const ip = intToIpv4(n);
        expect(isIpv4(ip)).toBe(true);
        expect(ipv4ToInt(ip)).toBe(n);
      }),
    );
  });

  it('agrees with the octets and is unsigned', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (o) => {
        const n = ipv4ToInt(o.join('.'));
        expect(n).toBe(o[0]! * 2 ** 24 + o[1]! * 2 ** 16 + o[2]! * 2 ** 8 + o[3]!);
        expect(n).toBeGreaterThanOrEqual(0);
      }),
    );
    expect(ipv4ToInt('255.255.255.255')).toBe(0xffffffff);
  });

  it('refuses what is not a dotted quad', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', '01.2.3.4', ' 1.2.3.4', '::1', 'a.b.c.d']) {
      expect(isIpv4(s), s).toBe(false);
      expect(() => ipv4ToInt(s), s).toThrow(/Not an IPv4 address/);
    }
  });
});
