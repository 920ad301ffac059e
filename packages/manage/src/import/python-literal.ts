/**
 * Reads the Python files sushy-tools takes as config (`emulator.conf`): top-level `NAME = <literal>`
 * assignments, where a literal is what `ast.literal_eval` accepts (strings with u/r/b prefixes and
 * implicit concatenation, numbers, True/False/None, lists, tuples, dicts, sets). Anything else (a call,
 * a name, arithmetic) is not evaluated: the assignment is reported as skipped with its line.
 */
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

export type PyValue = null | boolean | number | string | PyValue[] | PyDict;
/** Dict keys that are not strings (numbers, tuples) are kept as their JSON text. */
export interface PyDict {
  [key: string]: PyValue;
}

export interface PythonAssignments {
  values: Map<string, { value: PyValue; line: number }>;
  skipped: Array<{ name: string; line: number; reason: string }>;
}

class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

export function parsePythonAssignments(text: string): PythonAssignments {
  const out: PythonAssignments = { values: new Map(), skipped: [] };
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  let pos = 0;
  while (pos < text.length) {
    pos = skipBlankAndComments(text, pos);
    if (pos >= text.length) break;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)/.exec(text.slice(pos, pos + 200));
    const start = pos;
    if (!m) {
      const end = endOfStatement(text, pos);
      out.skipped.push({
        name: text.slice(pos, Math.min(end, pos + 40)).trim(),
        line: lineOf(pos),
        reason: 'not an assignment',
      });
      pos = end;
      continue;
    }
    const name = m[1]!;
    pos += m[0].length;
    try {
      const p = new Parser(text, pos);
      const value = p.value();
      p.ws(false);
      if (p.pos < text.length && text[p.pos] !== '\n' && text[p.pos] !== '#' && text[p.pos] !== ';') {
        throw new ParseError('only a literal may follow "="', p.pos);
      }
      out.values.set(name, { value, line: lineOf(start) });
      pos = p.pos;
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      out.skipped.push({ name, line: lineOf(start), reason: `${err.message} (line ${lineOf(err.pos)})` });
      pos = endOfStatement(text, start);
    }
  }
  return out;
}

/** Throws a config error naming the file when the text is not Python at all (an unclosed bracket, say). */
export function requireAssignments(text: string, file: string): PythonAssignments {
  const parsed = parsePythonAssignments(text);
  if (parsed.values.size === 0 && parsed.skipped.length > 0) {
    const first = parsed.skipped[0]!;
    throw new BmcEmuError(ErrorCode.ConfigInvalid, `${file}:${first.line}: ${first.reason}; nothing could be read`, {
      file,
    });
  }
  return parsed;
}

function skipBlankAndComments(text: string, pos: number): number {
  for (;;) {
    while (pos < text.length && /[ \t\r\n;]/.test(text[pos]!)) pos++;
    if (text[pos] === '#') {
      while (pos < text.length && text[pos] !== '\n') pos++;
      continue;
    }
    return pos;
  }
}

/** The end of a statement that could not be parsed: the next line that starts at column 0 outside brackets. */
function endOfStatement(text: string, pos: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = pos; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = undefined;
      }
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      i--;
    } else if (c === "'" || c === '"') quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    else if (c === '\n' && depth === 0 && i + 1 < text.length && !/[ \t]/.test(text[i + 1]!)) return i + 1;
  }
  return text.length;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
};

class Parser {
  constructor(
    readonly text: string,
    public pos: number,
  ) {}

  /** Skip spaces (and, inside brackets, newlines and comments). */
  ws(inBrackets: boolean): void {
    const t = this.text;
    for (;;) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && t[this.pos + 1] === '\n') this.pos += 2;
      else if (inBrackets && c === '\n') this.pos++;
      else if (inBrackets && c === '#') while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      else return;
    }
  }

  value(inBrackets = false): PyValue {
    this.ws(inBrackets);
    const t = this.text;
    const c = t[this.pos];
    if (c === undefined) throw new ParseError('a value was expected', this.pos);
    if (c === '[') return this.sequence(']');
    if (c === '(') {
      const items = this.sequence(')', true);
      return items;
    }
    if (c === '{') return this.dictOrSet();
    const str = /^([rRuUbB]{0,2})(['"])/.exec(t.slice(this.pos, this.pos + 3));
    if (str) {
      let s = this.string();
      for (;;) {
        const save = this.pos;
        this.ws(inBrackets);
        if (/^[rRuUbB]{0,2}['"]/.test(t.slice(this.pos, this.pos + 3))) s += this.string();
        else {
          this.pos = save;
          return s;
        }
      }
    }
    const num =
      /^[-+]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?)/.exec(
        t.slice(this.pos, this.pos + 64),
      );
    if (num) {
      this.pos += num[0].length;
      const raw = num[0].replace(/_/g, '');
      const sign = raw.startsWith('-') ? -1 : 1;
      const body = raw.replace(/^[-+]/, '');
      if (/^0[xob]/i.test(body))
        return sign * parseInt(body.slice(2), { x: 16, o: 8, b: 2 }[body[1]!.toLowerCase() as 'x' | 'o' | 'b']);
      return Number(raw);
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(t.slice(this.pos, this.pos + 64));
    if (word) {
      const after = t[this.pos + word[0].length];
      if (word[0] === 'True' || word[0] === 'False' || word[0] === 'None') {
        if (after !== undefined && /[A-Za-z0-9_.(]/.test(after))
          throw new ParseError(`"${word[0]}${after}..." is an expression, not a literal`, this.pos);
        this.pos += word[0].length;
        return word[0] === 'None' ? null : word[0] === 'True';
      }
      throw new ParseError(`"${word[0]}" is a name or call, not a literal`, this.pos);
    }
    throw new ParseError(`unexpected "${c}"`, this.pos);
  }

  private string(): string {
    const t = this.text;
    const m = /^([rRuUbB]{0,2})/.exec(t.slice(this.pos, this.pos + 2))!;
    const raw = /r/i.test(m[1]!);
    this.pos += m[1]!.length;
    const q = t[this.pos]!;
    const quote = t.startsWith(q.repeat(3), this.pos) ? q.repeat(3) : q;
    const start = this.pos;
    this.pos += quote.length;
    let out = '';
    for (;;) {
      if (this.pos >= t.length) throw new ParseError('unterminated string', start);
      if (t.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const c = t[this.pos]!;
      if (c === '\n' && quote.length === 1) throw new ParseError('unterminated string', start);
      if (c === '\\' && !raw) {
        const e = t[this.pos + 1] ?? '';
        if (e === 'x' || e === 'u' || e === 'U') {
          const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = t.slice(this.pos + 2, this.pos + 2 + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new ParseError(`bad \\${e} escape`, this.pos);
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += 2 + len;
        } else if (e in ESCAPES) {
          out += ESCAPES[e];
          this.pos += 2;
        } else {
          out += `\\${e}`;
          this.pos += 2;
        }
        continue;
      }
      if (c === '\\' && raw) {
        out += t.slice(this.pos, this.pos + 2);
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
  }

  private sequence(close: string, tuple = false): PyValue[] {
    this.pos++;
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.ws(true);
      if (this.text[this.pos] === close) {
        this.pos++;
        // `(x)` is x in parentheses, not a tuple; `(x,)` is a tuple.
        if (tuple && items.length === 1 && !sawComma) return items[0] as PyValue[];
        return items;
      }
      items.push(this.value(true));
      this.ws(true);
      if (this.text[this.pos] === ',') {
        sawComma = true;
        this.pos++;
      } else if (this.text[this.pos] !== close) throw new ParseError(`"," or "${close}" expected`, this.pos);
    }
  }

  private dictOrSet(): PyValue {
    this.pos++;
    const dict: PyDict = {};
    const set: PyValue[] = [];
    let kind: 'dict' | 'set' | undefined;
    for (;;) {
      this.ws(true);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return kind === 'set' ? set : dict;
      }
      const key = this.value(true);
      this.ws(true);
      if (this.text[this.pos] === ':') {
        if (kind === 'set') throw new ParseError('":" in a set', this.pos);
        kind = 'dict';
        this.pos++;
        const value = this.value(true);
        dict[typeof key === 'string' ? key : JSON.stringify(key)] = value;
      } else {
        if (kind === 'dict') throw new ParseError('":" expected', this.pos);
        kind = 'set';
        set.push(key);
      }
      this.ws(true);
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw new ParseError('"," or "}" expected', this.pos);
    }
  }
}
