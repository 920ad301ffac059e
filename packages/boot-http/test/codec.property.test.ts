import { isBmcEmuError } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHardwareReport } from '../src/codec/ghw.js';
import { chainByMacScript, nodeBootScript, sanitizeEcho } from '../src/codec/ipxe-script.js';
import { contentRange, parseRange } from '../src/codec/range.js';
import { renderTemplate, templateNames } from '../src/codec/template.js';
import { safeSegments } from '../src/safe-path.js';

const RUNS = 2000;

describe('parseRange', () => {
  it('never throws and every partial range lies inside the file', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), fc.nat(1 << 30), (h, size) => {
        const d = parseRange(h, size);
        if (d.kind === 'partial') {
          expect(d.start).toBeGreaterThanOrEqual(0);
          expect(d.end).toBeGreaterThanOrEqual(d.start);
          expect(d.end).toBeLessThan(size);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips bytes=a-b for ranges inside the file', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 1e12 })
          .chain((size) =>
            fc
              .tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))
              .chain(([s, a]) => fc.tuple(fc.constant(s), fc.constant(a), fc.integer({ min: a, max: s - 1 }))),
          ),
        ([size, a, b]) => {
          const d = parseRange(`bytes=${a}-${b}`, size);
          expect(d).toEqual({ kind: 'partial', start: a, end: b });
          expect(contentRange({ start: a, end: b }, size)).toBe(`bytes ${a}-${b}/${size}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('knows the edge cases', () => {
    expect(parseRange('bytes=0-', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ kind: 'partial', start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ kind: 'partial', start: 5, end: 9 });
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-1,3-4', 10)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=5-2', 10)).toEqual({ kind: 'full' });
  });
});

describe('safeSegments', () => {
  it('never yields a segment that can climb out or hide a separator', () => {
    const piece = fc.constantFrom(
      '..',
      '.',
      '%2e',
      '%2E',
      '%2f',
      '%2F',
      '%5c',
      '\\',
      '/',
      '%00',
      'a',
      'b.iso',
      '%25',
      '~',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
        ),
        (p) => {
          const segs = safeSegments(p);
          if (!segs) return;
          for (const s of segs) {
            expect(s).not.toBe('..');
            expect(s).not.toBe('.');
            expect(s).not.toMatch(/[/\\\0]/);
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('renderTemplate', () => {
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/);
  it('fills every placeholder and leaves no {{ }} behind when values have none', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          name,
          fc.string().filter((v) => !v.includes('{{')),
        ),
        fc.array(fc.string().filter((s) => !s.includes('{') && !s.includes('}'))),
        (vars, texts) => {
          const keys = Object.keys(vars);
          const tpl = texts.map((t, i) => (keys.length ? `${t}{{${keys[i % keys.length]}}}` : t)).join('');
          const out = renderTemplate(tpl, vars);
          expect(out).not.toMatch(/\{\{\s*[A-Za-z]/);
          expect(templateNames(tpl).every((n) => keys.includes(n))).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses unknown placeholders with a typed error', () => {
    expect(() => renderTemplate('kernel {{kernal}}', { kernel: 'x' })).toThrow(/kernal/);
    try {
      renderTemplate('{{x}}', {});
    } catch (e) {
      expect(isBmcEmuError(e, 'BMCEMU_INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('parseHardwareReport', () => {
  it('never throws anything but a typed error, and returns normalised MACs', () => {
    const nic = fc.record({
      name: fc.string(),
      mac_address: fc.oneof(
        fc.string(),
        fc
          .array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
          .map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')),
      ),
      is_virtual: fc.boolean(),
    });
    const body = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.array(nic).map((nics) => JSON.stringify({ network: { nics } })),
    );
    fc.assert(
      fc.property(body, (b) => {
        try {
          const r = parseHardwareReport(b);
          expect(r.macs.length).toBeGreaterThan(0);
          for (const m of r.macs) expect(m).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        } catch (e) {
          expect(isBmcEmuError(e, 'BMCEMU_INVALID_ARGUMENT')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('iPXE scripts', () => {
  it('sanitizeEcho keeps any label on one inert line', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = sanitizeEcho(s);
        expect(out).not.toMatch(/[\r\n$|&#]/);
        expect(out.length).toBe(s.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('every fetch in a node script has a retry, and initrd names match initrd= arguments', () => {
    const url = fc.webUrl().filter((u) => !/\s/.test(u));
    fc.assert(
      fc.property(url, fc.array(url, { maxLength: 3 }), (kernel, initrds) => {
        const s = nodeBootScript({ label: 'n', kernelUrl: kernel, initrdUrls: initrds, args: ['a=b'] });
        const lines = s.split('\n');
        for (const l of lines.filter((x) => /^(kernel|initrd|boot|chain)\b/.test(x)))
          expect(l).toMatch(/\|\| goto wait$/);
        const names = [...s.matchAll(/^initrd --name (\S+)/gm)].map((m) => m[1]);
        const args = [...s.matchAll(/ initrd=(\S+)/g)].map((m) => m[1]);
        expect(args).toEqual(names);
        expect(names.length).toBe(initrds.length);
      }),
      { numRuns: 500 },
    );
    expect(chainByMacScript('http://x').split('\n')[0]).toBe('#!ipxe');
  });
});
