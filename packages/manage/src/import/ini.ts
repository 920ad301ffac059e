/**
 * INI as Python's configparser reads it (the format vbmc writes its per-domain `config` in): `[section]`
 * headers, `key = value` or `key: value` (keys case-folded, values trimmed), `#`/`;` comment lines,
 * indented continuation lines, and a DEFAULT section whose keys every section inherits.
 */
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';

export type IniSections = Map<string, Map<string, string>>;

export function parseIni(text: string, file = 'config'): IniSections {
  const sections: IniSections = new Map();
  const defaults = new Map<string, string>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (/^\s*$/.test(line)) {
      lastKey = undefined;
      return;
    }
    if (/^\s*[#;]/.test(line)) return;
    if (/^\s/.test(line) && lastKey !== undefined && current) {
      current.set(lastKey, `${current.get(lastKey)}\n${line.trim()}`);
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!;
      if (name === 'DEFAULT') current = defaults;
      else {
        if (sections.has(name)) throw iniError(file, i + 1, `section [${name}] appears twice`);
        sections.set(name, (current = new Map()));
      }
      lastKey = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) throw iniError(file, i + 1, `"${line.trim().slice(0, 40)}" is neither a [section] nor key = value`);
    if (!current) throw iniError(file, i + 1, 'a key before any [section] header');
    const key = kv[1]!.trim().toLowerCase();
    if (current.has(key)) throw iniError(file, i + 1, `key "${key}" appears twice in its section`);
    current.set(key, kv[2]!.trim());
    lastKey = key;
  });
  for (const section of sections.values()) {
    for (const [k, v] of defaults) if (!section.has(k)) section.set(k, v);
  }
  if (defaults.size > 0) sections.set('DEFAULT', defaults);
  return sections;
}

function iniError(file: string, line: number, what: string): BmcEmuError {
  return new BmcEmuError(ErrorCode.ConfigInvalid, `${file}:${line}: ${what}`, { file, line });
}

/** configparser's getboolean: 1/yes/true/on and 0/no/false/off, any case. */
export function iniBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(v)) return true;
  if (['0', 'no', 'false', 'off'].includes(v)) return false;
  return undefined;
}
