/**
 * Which events a subscriber gets: EventDestination filters (EventTypes, RegistryPrefixes, MessageIds,
 * ResourceTypes, OriginResources + SubordinateResources) and the SSE `$filter` expression (DSP0266), e.g.
 *   (MessageId eq 'ResourceEvent.1.3.ResourceChanged') or OriginResource eq '/redfish/v1/Systems/x'
 * Pure: no I/O.
 */
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

/** What a filter can look at in one event record. */
export interface EventFacts {
  eventType: string;
  messageId: string;
  originResource: string;
  resourceType: string;
  eventFormatType: string;
}

export const SSE_FILTER_PROPERTIES = [
  'EventType',
  'MessageId',
  'OriginResource',
  'RegistryPrefix',
  'ResourceType',
  'EventFormatType',
] as const;
type FilterProperty = (typeof SSE_FILTER_PROPERTIES)[number];

export type FilterExpr =
  | { op: 'eq' | 'ne'; property: FilterProperty; value: string }
  | { op: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { op: 'not'; expr: FilterExpr };

export class EventFilterError extends BmcEmuError {
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
    this.name = 'EventFilterError';
  }
}

const MAX_FILTER_LENGTH = 2048;
const MAX_DEPTH = 32;

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'paren'; text: '(' | ')' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === '(' || ch === ')') {
      out.push({ kind: 'paren', text: ch });
      i++;
    } else if (ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new EventFilterError('unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += src[i];
        i++;
      }
      out.push({ kind: 'string', text });
    } else if (/[A-Za-z]/.test(ch)) {
      const m = /^[A-Za-z][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      throw new EventFilterError(`unexpected character ${JSON.stringify(ch)} at ${i}`);
    }
  }
  return out;
}

/** Parse an SSE `$filter`; throws EventFilterError with a message a person can act on. */
export function parseEventFilter(src: string): FilterExpr {
  if (src.length > MAX_FILTER_LENGTH) throw new EventFilterError(`longer than ${MAX_FILTER_LENGTH} characters`);
  const toks = tokenize(src);
  let pos = 0;
  const peekWord = (w: string) => {
    const t = toks[pos];
    return t?.kind === 'word' && t.text.toLowerCase() === w;
  };

  const parseOr = (depth: number): FilterExpr => {
    let left = parseAnd(depth);
    while (peekWord('or')) {
      pos++;
      left = { op: 'or', left, right: parseAnd(depth) };
    }
    return left;
  };
  const parseAnd = (depth: number): FilterExpr => {
    let left = parseUnary(depth);
    while (peekWord('and')) {
      pos++;
      left = { op: 'and', left, right: parseUnary(depth) };
    }
    return left;
  };
  const parseUnary = (depth: number): FilterExpr => {
    if (depth > MAX_DEPTH) throw new EventFilterError(`nested deeper than ${MAX_DEPTH}`);
    const t = toks[pos];
    if (!t) throw new EventFilterError('expression ends too early');
    if (t.kind === 'word' && t.text.toLowerCase() === 'not') {
      pos++;
      return { op: 'not', expr: parseUnary(depth + 1) };
    }
    if (t.kind === 'paren' && t.text === '(') {
      pos++;
      const inner = parseOr(depth + 1);
      const close = toks[pos];
      if (close?.kind !== 'paren' || close.text !== ')') throw new EventFilterError('missing )');
      pos++;
      return inner;
    }
    if (t.kind !== 'word') throw new EventFilterError(`expected a property name, got ${JSON.stringify(t.text)}`);
    const property = SSE_FILTER_PROPERTIES.find((p) => p === t.text);
    if (!property) {
      throw new EventFilterError(
        `unsupported property ${JSON.stringify(t.text)}; use one of ${SSE_FILTER_PROPERTIES.join(', ')}`,
      );
    }
    pos++;
    const opTok = toks[pos];
    const op = opTok?.kind === 'word' ? opTok.text.toLowerCase() : '';
    if (op !== 'eq' && op !== 'ne') throw new EventFilterError(`expected eq or ne after ${property}`);
    pos++;
    const value = toks[pos];
    if (value?.kind !== 'string') throw new EventFilterError(`expected a quoted string after ${property} ${op}`);
    pos++;
    return { op, property, value: value.text };
  };

  if (toks.length === 0) throw new EventFilterError('empty filter');
  const expr = parseOr(0);
  if (pos !== toks.length) throw new EventFilterError(`unexpected ${JSON.stringify(toks[pos]!.text)}`);
  return expr;
}

function registryPrefix(messageId: string): string {
  return messageId.split('.')[0] ?? '';
}

function factFor(property: FilterProperty, f: EventFacts): string {
  switch (property) {
    case 'EventType':
      return f.eventType;
    case 'MessageId':
      return f.messageId;
    case 'OriginResource':
      return f.originResource;
    case 'RegistryPrefix':
      return registryPrefix(f.messageId);
    case 'ResourceType':
      return f.resourceType;
    case 'EventFormatType':
      return f.eventFormatType;
  }
}

/** MessageIds match with or without the registry version (`ResourceEvent.ResourceChanged`). */
function messageIdMatches(wanted: string, actual: string): boolean {
  if (wanted === actual) return true;
  const a = actual.split('.');
  return a.length >= 2 && wanted === `${a[0]}.${a[a.length - 1]}`;
}

export function evaluateEventFilter(e: FilterExpr, f: EventFacts): boolean {
  switch (e.op) {
    case 'eq':
    case 'ne': {
      const actual = factFor(e.property, f);
      const same = e.property === 'MessageId' ? messageIdMatches(e.value, actual) : e.value === actual;
      return e.op === 'eq' ? same : !same;
    }
    case 'and':
      return evaluateEventFilter(e.left, f) && evaluateEventFilter(e.right, f);
    case 'or':
      return evaluateEventFilter(e.left, f) || evaluateEventFilter(e.right, f);
    case 'not':
      return !evaluateEventFilter(e.expr, f);
  }
}

/** The EventDestination properties that narrow a subscription; an empty list means "no restriction". */
export interface SubscriptionFilter {
  eventTypes: string[];
  registryPrefixes: string[];
  messageIds: string[];
  resourceTypes: string[];
  originResources: string[];
  subordinateResources: boolean;
}

export function subscriptionMatches(s: SubscriptionFilter, f: EventFacts): boolean {
  if (s.eventTypes.length && !s.eventTypes.includes(f.eventType)) return false;
  if (s.registryPrefixes.length && !s.registryPrefixes.includes(registryPrefix(f.messageId))) return false;
  if (s.messageIds.length && !s.messageIds.some((m) => messageIdMatches(m, f.messageId))) return false;
  if (s.resourceTypes.length && !s.resourceTypes.includes(f.resourceType)) return false;
  if (s.originResources.length) {
    const hit = s.originResources.some(
      (o) =>
        f.originResource === o || (s.subordinateResources && f.originResource.startsWith(`${o.replace(/\/$/, '')}/`)),
    );
    if (!hit) return false;
  }
  return true;
}
