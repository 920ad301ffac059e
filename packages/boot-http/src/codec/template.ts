/**
 * `{{name}}` placeholders filled from a flat map of strings. Unknown names are a typed error (a typo in a
 * template must not silently boot a node with an empty kernel argument).
 */
import { errors } from '@bmc-emu/core';

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export function templateNames(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  const unknown = templateNames(template).filter((n) => !Object.hasOwn(vars, n));
  if (unknown.length > 0) {
    throw errors.invalidArgument(`iPXE template uses unknown placeholders: ${unknown.join(', ')}`, {
      unknown,
      known: Object.keys(vars),
    });
  }
  return template.replace(PLACEHOLDER, (_, name: string) => vars[name] as string);
}
