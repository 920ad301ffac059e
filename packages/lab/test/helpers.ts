import { buildModel, type LabInput, type LabModel, parseLab, renderLab, type Rendered } from '../src/index.js';
import { stringify } from 'yaml';

/** A lab from a partial lab.yaml object, sized for tests. */
export function model(input: LabInput = {}): LabModel {
  return buildModel(parseLab(stringify(input), 'lab.yaml'));
}

export function render(input: LabInput = {}): { m: LabModel; r: Rendered } {
  const m = model(input);
  return { m, r: renderLab(m) };
}

/** Every leaf of a plain object as `a.b[0].c` -> value (for field-by-field golden comparison). */
export function leaves(v: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (x: unknown, p: string) => {
    if (Array.isArray(x)) {
      if (x.length === 0) out.set(p, []);
      x.forEach((e, i) => walk(e, `${p}[${i}]`));
    } else if (x && typeof x === 'object') {
      const entries = Object.entries(x);
      if (entries.length === 0) out.set(p, {});
      for (const [k, e] of entries) walk(e, p ? `${p}.${k}` : k);
    } else out.set(p, x);
  };
  walk(v, prefix);
  return out;
}
