import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionValueError } from '../src/codec/option-value.js';
import { engine, MAC, send } from './engine-fixture.js';
import {
  type DhcpEngineOptions,
  dhcpSection,
  findOption,
  formatTagExpression,
  lastMatching,
  matchingEntries,
  MessageType,
  parseTagExpression,
  type TagExpression,
  tagExpressionMatches,
  text,
} from './internals.js';

const TAGS = ['efi', 'ipxe', 'bios', 'known', 'br0', 'lab-1', 'x.y'];
const tagName = fc.constantFrom(...TAGS);
const tagSet = fc.uniqueArray(tagName).map((a) => new Set(a));
/** Conditions on distinct tags (a valid expression: never a tag both set and not set). */
const expression: fc.Arbitrary<TagExpression> = fc
  .uniqueArray(fc.record({ tag: tagName, negated: fc.boolean() }), { selector: (c) => c.tag, maxLength: 5 })
  .map((a) => a);

describe('tag expressions (pure)', () => {
  it('parses the dnsmasq spelling and the bare one alike', () => {
    const want = [
      { tag: 'efi', negated: false },
      { tag: 'ipxe', negated: true },
    ];
    expect(parseTagExpression('tag:efi,tag:!ipxe')).toEqual(want);
    expect(parseTagExpression('efi,!ipxe')).toEqual(want);
    expect(parseTagExpression(' tag:efi , !ipxe ')).toEqual(want);
    expect(parseTagExpression('efi,efi')).toEqual([{ tag: 'efi', negated: false }]);
    expect(formatTagExpression(want)).toBe('tag:efi,tag:!ipxe');
  });

  it('refuses what could never be evaluated, with a reason', () => {
    for (const bad of ['', ' ', 'efi,', ',efi', 'tag:', 'tag:!', '!!efi', 'a b', 'set:efi', 'efi*', 'a,#b'])
      expect(() => parseTagExpression(bad), bad).toThrow(OptionValueError);
    expect(() => parseTagExpression('efi,tag:!efi')).toThrow(/both set and not set/);
  });

  it('a and !a never both match, and one of them always does', () => {
    fc.assert(
      fc.property(tagName, tagSet, (t, tags) => {
        const yes = tagExpressionMatches(parseTagExpression(`tag:${t}`), tags);
        const no = tagExpressionMatches(parseTagExpression(`tag:!${t}`), tags);
        expect(yes && no).toBe(false);
        expect(yes || no).toBe(true);
      }),
    );
  });

  it('an expression with no conditions always matches', () => {
    fc.assert(
      fc.property(tagSet, (tags) => {
        expect(tagExpressionMatches([], tags)).toBe(true);
      }),
    );
  });

  it('matches exactly when every plain tag is set and no negated one is (the model)', () => {
    fc.assert(
      fc.property(expression, tagSet, (e, tags) => {
        const model =
          e.filter((c) => !c.negated).every((c) => tags.has(c.tag)) &&
          !e.filter((c) => c.negated).some((c) => tags.has(c.tag));
        expect(tagExpressionMatches(e, tags)).toBe(model);
      }),
    );
  });

  it('the order of the conditions does not matter', () => {
    fc.assert(
      fc.property(
        expression.chain((e) => fc.tuple(fc.constant(e), fc.shuffledSubarray([...e], { minLength: e.length }))),
        tagSet,
        ([e, shuffled], tags) => {
          expect(tagExpressionMatches(shuffled, tags)).toBe(tagExpressionMatches(e, tags));
          if (e.length === 0) return;
          const reparsed = parseTagExpression(shuffled.map((c) => `${c.negated ? '!' : ''}${c.tag}`).join(','));
          expect(tagExpressionMatches(reparsed, tags)).toBe(tagExpressionMatches(e, tags));
        },
      ),
    );
  });

  it('a condition added can only narrow what matches; a tag no condition names changes nothing', () => {
    fc.assert(
      fc.property(expression, fc.record({ tag: tagName, negated: fc.boolean() }), tagSet, (e, extra, tags) => {
        if (tagExpressionMatches([...e, extra], tags)) expect(tagExpressionMatches(e, tags)).toBe(true);
        const unnamed = TAGS.find((t) => !e.some((c) => c.tag === t));
        if (unnamed) {
          const more = new Set([...tags, unnamed]);
          expect(tagExpressionMatches(e, more)).toBe(tagExpressionMatches(e, tags));
        }
      }),
    );
  });

  it('format and parse round-trip; any text either parses or throws OptionValueError', () => {
    fc.assert(
      fc.property(
        expression.filter((e) => e.length > 0),
        (e) => {
          expect(parseTagExpression(formatTagExpression(e))).toEqual(e);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('t', 'a', 'g', ':', '!', ',', ' ', '*', 'e', '-', '#') }), (s) => {
        try {
          const e = parseTagExpression(s);
          expect(e.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(OptionValueError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('of the matching entries, the last one with a value wins (in list order)', () => {
    const entry = fc.record({ when: expression, file: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), tagSet, (entries, tags) => {
        const model = entries.filter((x) => tagExpressionMatches(x.when, tags) && x.file !== undefined).pop()?.file;
        expect(lastMatching(entries, tags, (x) => x.file)).toBe(model);
        expect(matchingEntries(entries, tags)).toEqual(entries.filter((x) => tagExpressionMatches(x.when, tags)));
      }),
    );
  });
});

const IPXE_URL = 'http://172.30.0.1:8080/boot.ipxe';
const DISCOVER = { type: MessageType.Discover } as const;

const bootFileOf = (r: ReturnType<typeof send>) => {
  const o = r.reply && findOption(r.reply, 67);
  return o ? text.decode(o) : undefined;
};
const rootPathOf = (r: ReturnType<typeof send>) => {
  const o = r.reply && findOption(r.reply, 17);
  return o ? text.decode(o) : undefined;
};

/** The classic chainload: UEFI firmware gets iPXE over TFTP, iPXE (user class "iPXE") gets its script. */
const CHAINLOAD: Partial<DhcpEngineOptions> = {
  match: [
    { set: 'efi', option: 'client-arch', value: 7 },
    { set: 'ipxe', option: 77, value: 'iPXE' },
  ],
  options: { 'root-path': '/default' },
  tags: {
    'tag:efi': { bootFile: 'generic-efi.efi' },
    'tag:efi,tag:!ipxe': { bootFile: 'snponly.efi' },
    'tag:ipxe': { bootFile: IPXE_URL },
    '!ipxe': { options: { 'root-path': '/not-ipxe' } },
  },
};

describe('tag expressions in the engine', () => {
  it('tag:efi,tag:!ipxe vs tag:ipxe: the chainload, later matching entries over earlier ones', () => {
    const e = engine(CHAINLOAD);
    const efi = send(e, { ...DISCOVER, arch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003016' });
    expect(efi.reply!.file).toBe('snponly.efi');
    expect(rootPathOf(efi)).toBe('/not-ipxe');
    const ipxe = send(e, { ...DISCOVER, arch: 7, userClassRaw: 'iPXE', mac: '52:54:00:aa:bb:02' });
    expect(bootFileOf(ipxe)).toBe(IPXE_URL);
    // the untagged (section) option where no tagged one matches
    expect(rootPathOf(ipxe)).toBe('/default');
    const plain = send(e, { ...DISCOVER, mac: '52:54:00:aa:bb:03' });
    expect(plain.reply!.file).toBe('');
    expect(rootPathOf(plain)).toBe('/not-ipxe');
  });

  it('the boot file follows the model for every combination of tags a reservation sets', () => {
    const when = fc.constantFrom('efi', '!efi', 'efi,!ipxe', 'tag:ipxe', 'ipxe,efi', '!ipxe,!efi', 'br0,!efi');
    const tags = fc.uniqueArray(fc.constantFrom('efi', 'ipxe'));
    fc.assert(
      fc.property(fc.uniqueArray(when, { minLength: 1, maxLength: 5 }), tags, (keys, set) => {
        const entries = keys.map((k, i) => [k, { bootFile: `f${i}.efi` }] as const);
        const e = engine({
          interfaceTag: 'br0',
          tags: Object.fromEntries(entries),
          reservations: [{ mac: MAC, ip: '172.30.0.50', tags: set }],
        });
        const have = new Set(['br0', 'known', ...set]);
        const model = entries.filter(([k]) => tagExpressionMatches(parseTagExpression(k), have)).pop()?.[1].bootFile;
        expect(send(e, DISCOVER).reply!.file).toBe(model ?? '');
      }),
      { numRuns: 300 },
    );
  });

  it('"known" is set for a reserved client; ignore: [tag:!known] answers reserved clients only', () => {
    const e = engine({
      tags: { known: { bootFile: 'known.pxe' } },
      ignore: ['tag:!known'],
      reservations: [{ mac: MAC, ip: '172.30.0.50' }],
    });
    expect(send(e, DISCOVER).reply!.file).toBe('known.pxe');
    const stranger = send(e, { ...DISCOVER, mac: '52:54:00:aa:bb:09' });
    expect(stranger.reply).toBeUndefined();
    expect(stranger.tx.outcome).toBe('ignored: tags match ignore tag:!known');
    // any listed expression that holds ignores: here the interface's own tag with an architecture
    const e2 = engine({ interfaceTag: 'br0', match: [{ set: 'bios', option: 93, value: 0 }], ignore: ['br0,bios'] });
    expect(send(e2, { ...DISCOVER, arch: 0 }).reply).toBeUndefined();
    expect(send(e2, { ...DISCOVER, arch: 7 }).reply).toBeDefined();
  });

  it('a bad expression, tag name or ignore entry fails at config load naming its key', () => {
    const issue = (input: Record<string, unknown>) => dhcpSection.safeParse(input).error?.issues[0];
    expect(issue({ tags: { 'tag:efi,tag:!efi': { bootFile: 'x' } } })).toMatchObject({
      path: ['tags', 'tag:efi,tag:!efi'],
      message: 'tag efi cannot be both set and not set',
    });
    expect(issue({ tags: { 'efi,': { bootFile: 'x' } } })?.path).toEqual(['tags', 'efi,']);
    expect(issue({ tags: { '': { bootFile: 'x' } } })?.message).toMatch(/at least one tag/);
    expect(issue({ ignore: ['tag:!known', 'a b'] })?.path).toEqual(['ignore', 1]);
    expect(issue({ match: [{ set: 'a,b', option: 175 }] })?.path).toEqual(['match', 0, 'set']);
    expect(issue({ reservations: [{ mac: MAC, ip: '172.30.0.5', tags: ['!gold'] }] })?.path).toEqual([
      'reservations',
      0,
      'tags',
      0,
    ]);
    expect(
      dhcpSection.parse({ tags: { 'tag:efi,tag:!ipxe': { bootFile: 'snponly.efi' } }, ignore: ['!known'] }),
    ).toMatchObject({
      ignore: ['!known'],
    });
    expect(() => engine({ tags: { '!a,a': {} } })).toThrow(/dhcp\.tags\.!a,a: tag a cannot be both/);
    expect(() => engine({ ignore: ['x*'] })).toThrow(/dhcp\.ignore\.0: /);
  });
});
