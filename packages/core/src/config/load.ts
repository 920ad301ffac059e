import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BmcEmuError, ErrorCode } from '../errors.js';
import { type BaseConfig, DEFAULT_PASSWORD } from './schema.js';

/** A schema composed by composeConfigSchema (its output always holds core's top-level keys). */
export type ConfigSchema = z.ZodType<BaseConfig, unknown>;

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(...layers: Plain[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k] as Plain, v) : v;
    }
  }
  return out;
}

/** The keys of an object schema, seen through default/prefault/optional/nullable wrappers. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s: z.ZodType = schema;
  for (let i = 0; i < 5; i++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    if (
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable
    ) {
      s = s.unwrap() as z.ZodType;
    } else return undefined;
  }
  return undefined;
}

/**
 * BMCEMU_IPMI_BASE_PORT=6240 -> { ipmi: { basePort: 6240 } }. Names are matched against the schema,
 * case- and underscore-insensitively; values are parsed as YAML scalars (numbers, booleans, lists).
 */
export function configFromEnv(env: NodeJS.ProcessEnv, schema: ConfigSchema): { values: Plain; unknown: string[] } {
  const values: Plain = {};
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('BMCEMU_') || raw === undefined) continue;
    const tokens = name.slice('BMCEMU_'.length).toLowerCase().split('_');
    let shape = shapeOf(schema);
    const path: string[] = [];
    let i = 0;
    while (i < tokens.length && shape) {
      let matched = false;
      for (let j = tokens.length; j > i; j--) {
        const joined = tokens.slice(i, j).join('');
        const key = Object.keys(shape).find((k) => k.toLowerCase() === joined);
        if (key) {
          path.push(key);
          const child: z.ZodType = shape[key]!;
          shape = j < tokens.length ? shapeOf(child) : undefined;
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) break;
    }
    if (i !== tokens.length || path.length === 0) {
      unknown.push(name);
      continue;
    }
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    let cursor = values;
    for (const key of path.slice(0, -1)) {
      if (!isPlain(cursor[key])) cursor[key] = {};
      cursor = cursor[key] as Plain;
    }
    cursor[path[path.length - 1]!] = value;
  }
  return { values, unknown };
}

export async function readConfigFile(file: string): Promise<Plain> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BmcEmuError(ErrorCode.ConfigInvalid, `Cannot read config file ${file}: ${(err as Error).message}`, {
      file,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BmcEmuError(ErrorCode.ConfigInvalid, `Config file ${file} is not valid YAML: ${(err as Error).message}`, {
      file,
    });
  }
  if (doc == null) return {};
  if (!isPlain(doc)) {
    throw new BmcEmuError(ErrorCode.ConfigInvalid, `Config file ${file} must hold a mapping at the top level.`, {
      file,
    });
  }
  return doc;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? `${issue.path.join('.')}.` : '';
    return `unknown key ${issue.keys.map((k) => `"${where}${k}"`).join(', ')}: remove it or check its spelling`;
  }
  return `${key}: ${issue.message}`;
}

/** Validate once against the composed schema; the result is deeply frozen. */
export function validateConfig<S extends ConfigSchema>(
  schema: S,
  input: unknown,
  origin = 'configuration',
): Readonly<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(describeIssue);
    throw new BmcEmuError(ErrorCode.ConfigInvalid, `Invalid ${origin}:\n  - ${lines.join('\n  - ')}`, {
      issues: lines,
    });
  }
  const cfg = parsed.data;
  if (!isLoopback(cfg.bind) && cfg.password === DEFAULT_PASSWORD) {
    throw new BmcEmuError(
      ErrorCode.ConfigInvalid,
      `Refusing to bind ${cfg.bind} with the default password: anyone on that network could power your nodes. ` +
        'Set --password (or BMCEMU_PASSWORD, or password: in the config file), or bind 127.0.0.1.',
      { bind: cfg.bind },
    );
  }
  return deepFreeze(cfg);
}

export function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr === '::1' || /^127\./.test(addr);
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export interface LoadConfigOptions<S extends ConfigSchema = ConfigSchema> {
  /** The one schema (composeConfigSchema) that file, env and flags feed. */
  schema: S;
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags; they win over env and file. */
  overrides?: Plain;
}

/** File < env < flags, validated once and frozen. */
export async function loadConfig<S extends ConfigSchema>(opts: LoadConfigOptions<S>): Promise<Readonly<z.output<S>>> {
  const fromFile = opts.file ? await readConfigFile(opts.file) : {};
  const { values: fromEnv, unknown } = configFromEnv(opts.env ?? process.env, opts.schema);
  if (unknown.length) {
    throw new BmcEmuError(
      ErrorCode.ConfigInvalid,
      `Unknown environment variable(s) ${unknown.join(', ')}: BMCEMU_* names map onto config keys ` +
        '(e.g. BMCEMU_IPMI_BASE_PORT -> ipmi.basePort). Unset them or fix the name.',
      { unknown },
    );
  }
  return validateConfig(
    opts.schema,
    deepMerge(fromFile, fromEnv, opts.overrides ?? {}),
    opts.file ? `config (${opts.file})` : 'configuration',
  );
}
