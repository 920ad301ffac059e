import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePythonAssignments, type PyValue } from '../src/index.js';
import { DEBIAN_PYTHON, command, requirePeers } from '../../../test/support/peers.js';

/** Python source for a value, in one of the spellings a hand-written emulator.conf uses. */
function pySource(v: unknown, style: number): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    const body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return style % 3 === 0
      ? `u'${body.replace(/'/g, "\\'")}'`
      : style % 3 === 1
        ? `"${body.replace(/"/g, '\\"')}"`
        : `'${body.replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(v)) {
    const inner = v.map((x, i) => pySource(x, style + i)).join(style % 2 ? ',\n    ' : ', ');
    return style % 4 === 3
      ? `(${inner}${v.length === 1 ? ',' : ''})`
      : `[${inner}${style % 5 === 0 && v.length ? ',' : ''}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).map(
    ([k, x], i) => `${pySource(k, style + i)}: ${pySource(x, style + i + 1)}`,
  );
  return `{\n    ${entries.join(',\n    # a comment\n    ')}\n}`;
}

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.string({
    maxLength: 12,
    unit: fc.constantFrom('a', 'Z', '0', ' ', "'", '"', '\\', '\n', 'é', '#', ',', ':', '}'),
  }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const python = requirePeers('Python ast.literal_eval as the oracle', [command(DEBIAN_PYTHON, 'python3')]);
python.describe('parsePythonAssignments against Python itself', () => {
  it('reads what ast.literal_eval reads, for 300 generated emulator.conf files', () => {
    const cases = fc.sample(fc.tuple(fc.array(value, { minLength: 1, maxLength: 5 }), fc.nat(100)), 300);
    const files = cases.map(([values, style]) =>
      values.map((v, i) => `# setting ${i}\nNAME_${i} = ${pySource(v, style + i)}\n`).join('\n'),
    );
    const script = `
import ast, json, sys
out = []
for src in json.load(sys.stdin):
    tree = ast.parse(src)
    def conv(v):
        if isinstance(v, tuple): return [conv(x) for x in v]
        if isinstance(v, list): return [conv(x) for x in v]
        if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}
        return v
    out.append({n.targets[0].id: conv(ast.literal_eval(n.value)) for n in tree.body})
print(json.dumps(out))
`;
    const expected = JSON.parse(
      execFileSync(DEBIAN_PYTHON, ['-c', script], { input: JSON.stringify(files), encoding: 'utf8' }),
    ) as Array<Record<string, PyValue>>;
    files.forEach((src, i) => {
      const got = parsePythonAssignments(src);
      expect(got.skipped, src).toEqual([]);
      expect(Object.fromEntries([...got.values].map(([k, v]) => [k, v.value])), src).toEqual(expected[i]);
    });
  });
});

describe('parsePythonAssignments', () => {
  it('skips, with the line, what is not a literal, and keeps reading', () => {
    const got = parsePythonAssignments(
      "import os\nA = os.path.join('a', 'b')\nB = {\n  'x': [1, 2],\n}\nC = 1 + 2\nD = u'ok' 'ay'\nE = (1)\nF = (1,)\n",
    );
    expect(Object.fromEntries([...got.values].map(([k, v]) => [k, v.value]))).toEqual({
      B: { x: [1, 2] },
      D: 'okay',
      E: 1,
      F: [1],
    });
    expect(got.skipped.map((s) => [s.name, s.line])).toEqual([
      ['import os', 1],
      ['A', 2],
      ['C', 6],
    ]);
  });
  it('keeps tuple keys as JSON text (sushy-tools keys drives by (uuid, id))', () => {
    const got = parsePythonAssignments("X = {('u', '1'): [{'Id': 'd'}]}\n");
    expect(got.values.get('X')!.value).toEqual({ '["u","1"]': [{ Id: 'd' }] });
  });
  it('never throws on arbitrary text, and never loops (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string({
          maxLength: 300,
          unit: fc.constantFrom(
            'A',
            '=',
            ' ',
            '\n',
            "'",
            '"',
            '[',
            ']',
            '{',
            '}',
            '(',
            ')',
            ',',
            ':',
            '#',
            '\\',
            '1',
            'u',
            'N',
            'None',
          ),
        }),
        (text) => {
          parsePythonAssignments(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
