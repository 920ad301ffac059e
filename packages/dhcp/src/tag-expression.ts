import { OptionValueError } from './codec/option-value.js';

/**
 * Tag expressions as dnsmasq writes them (`tag:efi,tag:!ipxe`): every condition must hold, `a` meaning "tag a
 * is set" and `!a` "tag a is not set". Pure: parsing, printing, evaluating, and choosing among tagged entries.
 */

/** A tag name: what `set:`, reservation `tags` and expressions may use (no `,` `!` `:` `*` or white space). */
export const TAG_NAME = /^[A-Za-z0-9_.@+-]+$/;

export interface TagCondition {
  tag: string;
  /** true: the tag must not be set. */
  negated: boolean;
}

/** All conditions must hold; none always holds. */
export type TagExpression = readonly TagCondition[];

export function isTagName(name: string): boolean {
  return TAG_NAME.test(name);
}

/**
 * `tag:a,tag:!b`, `a,!b` or `a, !b` (the `tag:` prefix is optional on each condition). Throws OptionValueError
 * for an empty condition, a bad tag name, or a tag required both set and unset (it could never match).
 */
export function parseTagExpression(text: string): TagExpression {
  if (text.trim() === '') throw new OptionValueError('a tag expression needs at least one tag');
  const out: TagCondition[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim().replace(/^tag:/, '');
    const negated = item.startsWith('!');
    const tag = negated ? item.slice(1) : item;
    if (!isTagName(tag)) {
      throw new OptionValueError(
        `"${raw.trim()}" is not a tag condition like tag:efi or tag:!ipxe (tag names: letters, digits, _ . @ + -)`,
      );
    }
    const twin = out.find((c) => c.tag === tag);
    if (twin && twin.negated !== negated) throw new OptionValueError(`tag ${tag} cannot be both set and not set`);
    if (!twin) out.push({ tag, negated });
  }
  return out;
}

/** The dnsmasq spelling: `tag:a,tag:!b`. */
export function formatTagExpression(e: TagExpression): string {
  return e.map((c) => `tag:${c.negated ? '!' : ''}${c.tag}`).join(',');
}

export function tagExpressionMatches(e: TagExpression, tags: ReadonlySet<string>): boolean {
  return e.every((c) => tags.has(c.tag) !== c.negated);
}

/** Entries whose expression holds for `tags`, in the order given (a later one overrides an earlier one). */
export function matchingEntries<T extends { when: TagExpression }>(
  entries: readonly T[],
  tags: ReadonlySet<string>,
): T[] {
  return entries.filter((x) => tagExpressionMatches(x.when, tags));
}

/** The value of the last matching entry that has one (dnsmasq: the last matching dhcp-boot line wins). */
export function lastMatching<T extends { when: TagExpression }, V>(
  entries: readonly T[],
  tags: ReadonlySet<string>,
  pick: (entry: T) => V | undefined,
): V | undefined {
  let found: V | undefined;
  for (const x of matchingEntries(entries, tags)) found = pick(x) ?? found;
  return found;
}
