/** fast-check over the lab bodies of the management API and the fold of progress into a run. */
import { isBmcEmuError, ErrorCode } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyProgress, LabBook, type LabProgress, labRoute, type LabRun } from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const uuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join('-'));
const mac = fc.array(hex(2), { minLength: 6, maxLength: 6 }).map((p) => p.join(':'));
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);

const report = fc.record({
  name: label,
  stateDir: label.map((l) => `/srv/${l}`),
  mode: fc.constantFrom('ipi' as const, 'upi' as const),
  baseDomain: label.map((l) => `${l}.test`),
  libvirtUri: fc.constant('qemu:///system'),
  apiVIPs: fc.array(fc.ipV4(), { maxLength: 2 }),
  ingressVIPs: fc.array(fc.ipV4(), { maxLength: 2 }),
  networks: fc.array(
    fc.record({
      name: label,
      purpose: fc.constantFrom('baremetal' as const, 'provisioning' as const),
      mode: fc.constantFrom('nat', 'isolated', 'Managed', 'Disabled'),
      cidrs: fc.array(fc.constant('10.0.0.0/24'), { maxLength: 2 }),
    }),
    { maxLength: 3 },
  ),
  nodes: fc.array(
    fc.record({
      name: label,
      role: fc.constantFrom('bootstrap' as const, 'master' as const, 'worker' as const, 'extra' as const),
      domain: label,
      uuid,
      bootMac: mac,
      bmc: fc.record({ kind: fc.constant('ipmi'), address: fc.constant('ipmi://127.0.0.1:6230') }),
    }),
    { maxLength: 6 },
  ),
});

const progress = (runIds: string[]) =>
  fc
    .record({
      runId: fc.constantFrom(...runIds),
      run: fc.constantFrom('up' as const, 'down' as const),
      index: fc.nat(6),
      extra: fc.nat(3),
      step: fc.string({ minLength: 1, maxLength: 20 }),
      state: fc.constantFrom('start' as const, 'done' as const, 'failed' as const),
      error: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: undefined }),
    })
    .map(({ extra, error, ...p }): LabProgress => ({ ...p, total: p.index + extra, ...(error ? { error } : {}) }));

describe('lab bodies (property)', () => {
  it('any JSON body is either accepted or refused InvalidArgument; the route never fails otherwise', async () => {
    const book = new LabBook({ stateDir: await tempDir('bmcemu-labprop-') });
    const body = fc.oneof(
      fc.jsonValue(),
      report.map((r) => ({ ...r, name: 'lab' })),
      report.chain((r) =>
        fc
          .record({ k: fc.constantFrom(...Object.keys(r)), v: fc.jsonValue() })
          .map(({ k, v }) => ({ ...r, name: 'lab', [k]: v })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('PUT /v1/labs/lab', 'POST /v1/labs/lab/progress'), body, async (req, b) => {
        const [method, url] = req.split(' ') as [string, string];
        try {
          const r = await labRoute(book, method, url, async () => b);
          expect(r?.status).toBe(200);
        } catch (err) {
          // progress before any accepted PUT is an unknown lab
          const ok = isBmcEmuError(err, ErrorCode.InvalidArgument) || isBmcEmuError(err, ErrorCode.NodeNotFound);
          expect(ok, String(err)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every generated report is accepted, and labs.json gives it back as it was', async () => {
    await fc.assert(
      fc.asyncProperty(report, async (r) => {
        const stateDir = await tempDir('bmcemu-labprop-');
        const book = new LabBook({ stateDir });
        const reply = await labRoute(book, 'PUT', `/v1/labs/${r.name}`, async () => r);
        expect(reply?.status).toBe(200);
        const again = new LabBook({ stateDir });
        await again.load();
        expect((await again.get(r.name)).report).toEqual(r);
      }),
      { numRuns: 40 },
    );
  });
});

describe('applyProgress (property)', () => {
  it('keeps one entry per step, in order, and fails the run exactly when a report of it failed', () => {
    fc.assert(
      fc.property(fc.array(progress(['a', 'b']), { minLength: 1, maxLength: 40 }), (reports) => {
        let run: LabRun | undefined;
        let t = 0;
        for (const p of reports) run = applyProgress('lab', run, p, ++t);
        const mine = reports.slice(reports.findLastIndex((p, i) => i === 0 || p.runId !== reports[i - 1]!.runId));
        expect(run!.runId).toBe(reports.at(-1)!.runId);
        const idx = run!.steps.map((s) => s.index);
        expect(idx).toEqual([...new Set(idx)].sort((x, y) => x - y));
        expect(idx.every((i) => i > 0)).toBe(true);
        expect(new Set(idx)).toEqual(new Set(mine.filter((p) => p.index > 0).map((p) => p.index)));
        expect(run!.state === 'failed').toBe(mine.some((p) => p.state === 'failed'));
        for (const s of run!.steps) {
          const last = mine.findLast((p) => p.index === s.index)!;
          if (last.state !== 'start') expect(s.state).toBe(last.state);
          expect(s.endedAt === undefined || s.endedAt >= s.startedAt).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
