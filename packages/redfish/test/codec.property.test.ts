import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAction } from '../src/codec/action.js';
import { computeEtag, ifMatchPasses, serializeWithEtag } from '../src/codec/etag.js';
import { BASE_MESSAGES } from '../src/codec/messages.js';
import { decodePatch, type PatchSpec } from '../src/codec/patch.js';
import { compilePattern, matchPattern } from '../src/codec/path-pattern.js';
import { parseQuery } from '../src/codec/query.js';
import { memoryGiB } from '../src/codec/system.js';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

const KNOWN = new Set(Object.keys(BASE_MESSAGES));
const spec: PatchSpec = {
  Boot: {
    kind: 'object',
    fields: {
      BootSourceOverrideTarget: { kind: 'enum', values: ['None', 'Pxe', 'Cd'] },
      BootSourceOverrideEnabled: { kind: 'enum', values: ['Once', 'Continuous', 'Disabled'] },
      HttpBootUri: { kind: 'string', maxLength: 100 },
    },
  },
  AssetTag: { kind: 'string' },
  Enabled: { kind: 'boolean' },
};
const current = { Boot: { BootSourceOverrideTarget: 'None' }, PowerState: 'Off', AssetTag: '' };

describe('codec properties', () => {
  it('decodePatch is total: any JSON gives values or registry messages, and accepted values obey the spec', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const r = decodePatch(spec, body, current);
        if (r.ok) {
          for (const k of Object.keys(r.value)) expect(Object.keys(spec)).toContain(k);
          const b = r.value.Boot as Record<string, unknown> | undefined;
          if (b?.BootSourceOverrideTarget !== undefined)
            expect(['None', 'Pxe', 'Cd']).toContain(b.BootSourceOverrideTarget);
        } else {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(KNOWN.has(e.MessageId.split('.').pop()!)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodePatch accepts every well-typed body unchanged (round trip)', () => {
    const good = fc.record(
      {
        Boot: fc.record(
          {
            BootSourceOverrideTarget: fc.constantFrom('None', 'Pxe', 'Cd'),
            BootSourceOverrideEnabled: fc.constantFrom('Once', 'Continuous', 'Disabled'),
            HttpBootUri: fc.string({ maxLength: 100 }),
          },
          { requiredKeys: ['BootSourceOverrideTarget'] },
        ),
        AssetTag: fc.string(),
        Enabled: fc.boolean(),
      },
      { requiredKeys: ['Enabled'] },
    );
    fc.assert(
      fc.property(good, (body) => {
        const r = decodePatch(spec, body, current);
        expect(r).toEqual({ ok: true, value: body });
      }),
    );
  });

  it('decodeAction is total', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const r = decodeAction(
          'ComputerSystem.Reset',
          { ResetType: { kind: 'enum', values: ['On', 'ForceOff'], required: true } },
          body,
        );
        if (r.ok) expect(['On', 'ForceOff']).toContain(r.value.ResetType);
        else for (const e of r.errors) expect(KNOWN.has(e.MessageId.split('.').pop()!)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseQuery never throws; path patterns round-trip any segment', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('$select', '$expand', 'only', 'x'), fc.string()), (q) => {
        const r = parseQuery(q);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
    const p = compilePattern('/redfish/v1/Systems/{id}/Bios');
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        expect(matchPattern(p, `/redfish/v1/Systems/${encodeURIComponent(id)}/Bios`)).toEqual({ id });
      }),
    );
  });

  it('ETags: equal JSON gives equal tags, weak and strong forms both match', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const t = computeEtag(obj);
        expect(computeEtag(structuredClone(obj))).toBe(t);
        expect(ifMatchPasses(t, t)).toBe(true);
        expect(ifMatchPasses(`W/${t}`, t)).toBe(true);
        expect(ifMatchPasses('"other"', t)).toBe(t === '"other"');
      }),
    );
  });

  it("serializeWithEtag gives computeEtag's tag and the resource (plus @odata.etag when it has an @odata.id)", () => {
    const resource = fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('@odata.id', '@odata.etag', '@odata.type')),
      fc.option(fc.jsonValue(), { nil: undefined, freq: 4 }), // undefined values vanish from JSON
    );
    fc.assert(
      fc.property(resource, (obj) => {
        const before = JSON.stringify(obj);
        const { etag, text } = serializeWithEtag(obj);
        expect(JSON.stringify(obj)).toBe(before); // not mutated
        expect(etag).toBe(computeEtag(obj));
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const want = '@odata.id' in obj ? { ...obj, '@odata.etag': etag } : obj;
        expect(parsed).toEqual(JSON.parse(JSON.stringify(want)));
      }),
      { numRuns: 2000 },
    );
  });

  it('memory GiB is a real number', () => {
    expect(memoryGiB(256)).toBe(0.25);
    expect(memoryGiB(4096)).toBe(4);
    expect(memoryGiB(1536)).toBe(1.5);
  });
});

describe('fast-check over PATCH bodies against the live app', () => {
  let h: AppHarness;
  beforeAll(async () => {
    h = await appHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('every PATCH answers 200 or a Redfish 4xx error, and the service keeps serving', async () => {
    const bodies = fc.oneof(
      fc.jsonValue(),
      fc.record({
        Boot: fc.dictionary(
          fc.constantFrom(
            'BootSourceOverrideTarget',
            'BootSourceOverrideEnabled',
            'BootSourceOverrideMode',
            'HttpBootUri',
            'X',
          ),
          fc.jsonValue(),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const r = await request(h.app)
          .patch(h.sys)
          .auth(...ADMIN)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        if (r.status === 200) {
          expect(r.body.Id).toBe(h.node.id);
        } else {
          expect([400, 409]).toContain(r.status);
          expect(r.body.error['@Message.ExtendedInfo'].length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
    expect(
      (
        await request(h.app)
          .get(h.sys)
          .auth(...ADMIN)
      ).status,
    ).toBe(200);
  });
});
