import { BOOT_ENABLED, BOOT_TARGETS, MEDIA_SLOTS, POWER_ACTIONS } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBios, decodeBoot, decodeLogin, decodeMediaInsert, decodePower } from '../src/codec/actions.js';
import { parseCookies, SESSION_COOKIE, sessionCookie, sessionToken } from '../src/codec/cookies.js';

const anyJson = fc.jsonValue();

describe('console API body decoders', () => {
  it('never throw, and accept exactly the valid values', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyJson, fc.record({ action: fc.oneof(fc.constantFrom(...POWER_ACTIONS), fc.string()) })),
        (b) => {
          const d = decodePower(b);
          const valid =
            typeof b === 'object' &&
            b !== null &&
            !Array.isArray(b) &&
            (POWER_ACTIONS as readonly unknown[]).includes((b as { action?: unknown }).action);
          expect(d.ok).toBe(valid);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          target: fc.oneof(fc.constantFrom(...BOOT_TARGETS), fc.string()),
          enabled: fc.oneof(fc.constantFrom(...BOOT_ENABLED), fc.string()),
        }),
        (b) => {
          const d = decodeBoot(b);
          expect(d.ok).toBe(
            (BOOT_TARGETS as readonly string[]).includes(b.target) &&
              (BOOT_ENABLED as readonly string[]).includes(b.enabled),
          );
          if (d.ok) expect(d.value).toEqual(b);
        },
      ),
    );
    fc.assert(
      fc.property(anyJson, (b) => {
        decodeBoot(b);
        decodeLogin(b);
        decodeBios(b);
      }),
    );
  });

  it('take only http(s) image URLs into a known slot', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MEDIA_SLOTS), fc.webUrl({ validSchemes: ['http', 'https'] }), (slot, image) => {
        expect(decodeMediaInsert({ slot, image })).toEqual({ ok: true, value: { slot, image } });
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...MEDIA_SLOTS),
        fc.webUrl({ validSchemes: ['ftp', 'file', 'nfs'] }),
        (slot, image) => {
          expect(decodeMediaInsert({ slot, image }).ok).toBe(false);
        },
      ),
    );
    fc.assert(
      fc.property(anyJson, fc.string(), (slot, image) => {
        decodeMediaInsert({ slot, image });
      }),
    );
  });

  it('stage only well-formed BIOS settings, and keep them as given', () => {
    const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/);
    const value = fc.oneof(
      fc.string({ maxLength: 256 }),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 64 }), (attributes) => {
        expect(decodeBios({ attributes })).toEqual({ ok: true, value: attributes });
      }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), anyJson, { minKeys: 1 }), (attributes) => {
        const d = decodeBios({ attributes });
        if (d.ok) for (const [k, v] of Object.entries(d.value)) expect(/^[A-Za-z]/.test(k) && v !== null).toBe(true);
      }),
    );
    expect(decodeBios({ attributes: {} }).ok).toBe(false);
    expect(decodeBios({ attributes: { BootMode: null } }).ok).toBe(false);
  });
});

describe('session cookie', () => {
  const token = fc.stringMatching(/^[0-9a-f]{64}$/);
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/);
  const val = fc.stringMatching(/^[A-Za-z0-9_.~-]{0,30}$/);

  it('parses what a browser sends, whatever else is in the header', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, val), { selector: (t) => t[0], maxLength: 8 }), token, (others, t) => {
        const pairs = [...others.filter(([n]) => n !== SESSION_COOKIE), [SESSION_COOKIE, t] as [string, string]];
        const header = pairs.map(([n, v]) => `${n}=${v}`).join('; ');
        const parsed = parseCookies(header);
        for (const [n, v] of pairs) expect(parsed.get(n)).toBe(v);
        expect(sessionToken(header)).toBe(t);
      }),
    );
  });

  it('never throws, and a token is hex or nothing', () => {
    fc.assert(
      fc.property(fc.string(), (h) => {
        const t = sessionToken(h);
        if (t !== undefined) expect(t).toMatch(/^[0-9a-f]+$/);
      }),
    );
  });

  it('is HttpOnly, SameSite=Strict, scoped to /console, Secure over TLS', () => {
    fc.assert(
      fc.property(token, fc.boolean(), (t, tls) => {
        const c = sessionCookie(t, tls);
        expect(c).toContain(`${SESSION_COOKIE}=${t}`);
        expect(c).toContain('HttpOnly');
        expect(c).toContain('SameSite=Strict');
        expect(c).toContain('Path=/console');
        expect(c.includes('Secure')).toBe(tls);
        expect(sessionToken(c.split(';', 1)[0])).toBe(t);
      }),
    );
  });
});
