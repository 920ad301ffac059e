/**
 * An event as JSON, encoded once however many readers ask (the console's streams, log sinks). The two kinds
 * published on every protocol answer, `ipmi` and `redfish`, have their own encoders: JSON.stringify on
 * Node 20 costs ~0.8 µs for one, several percent of a sessionless IPMI answer. Every other kind goes through
 * JSON.stringify. Output parses to the same value as JSON.stringify's (the key order may differ).
 */
import type { RackEvent } from './types.js';

type Of<K extends RackEvent['kind']> = Extract<RackEvent, { kind: K }>;
type IpmiEvent = Of<'ipmi'>;
type RedfishEvent = Of<'redfish'>;

// A field added to either kind must be added to its encoder too: these fail to compile until it is.
type IpmiFields = 'kind' | 'node' | 'netFn' | 'cmd' | 'cc' | 'user' | 'session' | 'seq' | 'time';
type RedfishFields = 'kind' | 'node' | 'method' | 'path' | 'status' | 'user' | 'ms' | 'seq' | 'time';
type Covers<E, F> = [Exclude<keyof E, F>] extends [never] ? true : false;
const ipmiCovered: Covers<IpmiEvent, IpmiFields> = true;
const redfishCovered: Covers<RedfishEvent, RedfishFields> = true;
void ipmiCovered;
void redfishCovered;

/** Characters that make a string need JSON.stringify's escaping (lone surrogates included). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const quote = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

// The strings of these events repeat (node ids, users, sessions, methods, a few paths per node): their quoted
// form is remembered, a Map lookup being cheaper than the escape check. Bounded: cleared when full.
const MAX_QUOTED = 4_096;
/** Longer strings (a client's made-up URL) are quoted each time, never kept. */
const MAX_PATH = 256;
const quoted = new Map<string, string>();
function str(s: string): string {
  if (s.length > MAX_PATH) return quote(s);
  let q = quoted.get(s);
  if (q === undefined) {
    if (quoted.size >= MAX_QUOTED) quoted.clear();
    quoted.set(s, (q = quote(s)));
  }
  return q;
}
const num = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');

// Formatting a 13-digit number costs more than the rest of an event; events of one millisecond share it.
let lastTime = NaN;
let lastTimeJson = 'null';
function time(t: number): string {
  if (t !== lastTime) {
    lastTime = t;
    lastTimeJson = num(t);
  }
  return lastTimeJson;
}

// What comes before seq in these events repeats (one BMC answers the same few commands, one path the same
// status): that prefix is remembered, so an event costs a few Map lookups and its numbers. Bounded: every
// prefix is forgotten once MAX_PREFIXES are kept.
const MAX_PREFIXES = 4_096;
let prefixes = 0;
const ipmiPrefixes = new Map<string | undefined, Map<string | undefined, Map<number, string>>>();
const redfishPrefixes = new Map<string, Map<number, { node?: string; user?: string; prefix: string }>>();
const SESSIONS = ['none', '1.5', '2.0'];
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'];
const isByte = (n: number): boolean => (n & 0xff) === n;

function remembered(): boolean {
  if (++prefixes <= MAX_PREFIXES) return true;
  prefixes = 0;
  ipmiPrefixes.clear();
  redfishPrefixes.clear();
  return false;
}

function ipmiPrefix(e: IpmiEvent): string {
  return (
    `{"kind":"ipmi"${e.node !== undefined ? `,"node":${str(e.node)}` : ''},"netFn":${num(e.netFn)},` +
    `"cmd":${num(e.cmd)},"cc":${num(e.cc)}${e.user !== undefined ? `,"user":${str(e.user)}` : ''},` +
    `"session":${str(e.session)}`
  );
}

function ipmiJson(e: IpmiEvent): string {
  const session = SESSIONS.indexOf(e.session);
  let prefix: string | undefined;
  if (session < 0 || !isByte(e.netFn) || !isByte(e.cmd) || !isByte(e.cc)) prefix = ipmiPrefix(e);
  else {
    const code = (((e.netFn << 8) | e.cmd) << 8) * 4 + e.cc * 4 + session;
    let byUser = ipmiPrefixes.get(e.node);
    if (byUser === undefined) ipmiPrefixes.set(e.node, (byUser = new Map()));
    let byCode = byUser.get(e.user);
    if (byCode === undefined) byUser.set(e.user, (byCode = new Map()));
    prefix = byCode.get(code);
    if (prefix === undefined) {
      prefix = ipmiPrefix(e);
      if (remembered()) byCode.set(code, prefix);
    }
  }
  return `${prefix},"seq":${num(e.seq)},"time":${time(e.time)}}`;
}

function redfishPrefix(e: RedfishEvent): string {
  return (
    `{"kind":"redfish"${e.node !== undefined ? `,"node":${str(e.node)}` : ''},"method":${str(e.method)},` +
    `"path":${str(e.path)},"status":${num(e.status)}${e.user !== undefined ? `,"user":${str(e.user)}` : ''},"ms":`
  );
}

function redfishJson(e: RedfishEvent): string {
  const method = METHODS.indexOf(e.method);
  let prefix: string;
  // a long path (a client's made-up URL) is encoded, not remembered: the cache stays small (4,096 × ≤ ~300 chars)
  if (method < 0 || !Number.isInteger(e.status) || e.status < 0 || e.status > 999 || e.path.length > MAX_PATH) {
    prefix = redfishPrefix(e);
  } else {
    let byCode = redfishPrefixes.get(e.path);
    if (byCode === undefined) redfishPrefixes.set(e.path, (byCode = new Map()));
    const code = e.status * 8 + method;
    const got = byCode.get(code);
    if (got !== undefined && got.node === e.node && got.user === e.user) prefix = got.prefix;
    else {
      prefix = redfishPrefix(e);
      if (remembered()) {
        byCode.set(code, {
          prefix,
          ...(e.node !== undefined ? { node: e.node } : {}),
          ...(e.user !== undefined ? { user: e.user } : {}),
        });
      }
    }
  }
  return `${prefix}${num(e.ms)},"seq":${num(e.seq)},"time":${time(e.time)}}`;
}

function encode(e: RackEvent): string {
  switch (e.kind) {
    case 'ipmi':
      return ipmiJson(e);
    case 'redfish':
      return redfishJson(e);
    default:
      return JSON.stringify(e);
  }
}

// The last few encodings by seq: readers of one drain ask for the same events in turn, so a small
// direct-mapped cache serves them all without holding on to old events.
const SLOTS = 256;
const cachedEvent: (RackEvent | undefined)[] = new Array<RackEvent | undefined>(SLOTS);
const cachedJson: string[] = new Array<string>(SLOTS);

export function eventJson(e: RackEvent): string {
  const slot = e.seq & (SLOTS - 1);
  if (cachedEvent[slot] === e) return cachedJson[slot]!;
  const json = encode(e);
  cachedEvent[slot] = e;
  cachedJson[slot] = json;
  return json;
}
