/**
 * How a running `bmc-emu serve` learns about labs, end to end with real processes (no libvirt needed: the
 * lab's URI answers nothing, so `lab up`/`lab down` fail at their first libvirt call, exit 3, and report that):
 * found by --serve-state-dir or $BMCEMU_STATE_DIR; kept in labs.json across a serve restart; silent when no
 * serve runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabRecord } from '@bmc-emu/manage';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { basic, httpsJson } from './support/https-json.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const tempDir = tempDirs();
const serves: ServeProcess[] = [];
afterEach(async () => {
  for (const s of serves.splice(0)) await s.stop();
});

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, BMCEMU_STATE_DIR: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function labDir(name: string): Promise<string> {
  const dir = await tempDir('bmcemu-labrep-');
  writeFileSync(
    join(dir, 'lab.yaml'),
    stringify({ name, libvirt: { uris: ['qemu+unix:///system?socket=/nonexistent/bmcemu-sock'] } }),
  );
  return dir;
}

async function labsOf(serve: ServeProcess, stateDir: string): Promise<LabRecord[]> {
  const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
  const r = await httpsJson(`https://127.0.0.1:${serve.redfishPort}/console/api/labs`, {
    ca,
    headers: basic('admin', 'password'),
  });
  expect(r.status).toBe(200);
  return (r.body as { labs: LabRecord[] }).labs;
}

async function started(stateDir: string): Promise<ServeProcess> {
  const s = await startServe({ nodes: 1, stateDir });
  serves.push(s);
  return s;
}

describe('lab up|down report to a running serve', () => {
  it('--serve-state-dir: the serve keeps the lab and its failed run, also after a restart', async () => {
    const stateDir = await tempDir('bmcemu-labrep-serve-');
    const serve = await started(stateDir);
    const dir = await labDir('alpha');
    const up = cli(['lab', 'up', '--out', 'out', '--serve-state-dir', stateDir], dir);
    expect(up.code, up.err).toBe(3);
    expect(up.err).toContain(`serve: progress reported to the serve of ${stateDir}`);
    const [rec] = await labsOf(serve, stateDir);
    expect(rec!.report).toMatchObject({
      name: 'alpha',
      stateDir: join(dir, '.bmc-emu-lab'),
      mode: 'ipi',
      installConfig: join(dir, 'out', 'install-config.yaml'),
    });
    expect(rec!.report.nodes.map((n) => n.domain)).toEqual(['alpha-master-0', 'alpha-master-1', 'alpha-master-2']);
    expect(rec!.lastRun).toMatchObject({ run: 'up', state: 'failed', title: 'lab up alpha', total: 0, steps: [] });
    expect(rec!.lastRun!.error).toMatch(/libvirt .* driver is unavailable/);
    expect(rec!.built).toBeNull();
    expect(existsSync(join(stateDir, 'labs.json'))).toBe(true);

    await serve.stop();
    serves.splice(0);
    const again = await started(stateDir);
    const after = await labsOf(again, stateDir);
    expect(after.map((l) => [l.report.name, l.lastRun?.state])).toEqual([['alpha', 'failed']]);

    // down reports to it too, as a new run
    const down = cli(['lab', 'down', '--serve-state-dir', stateDir], dir);
    expect(down.code, down.err).toBe(3);
    const [d] = await labsOf(again, stateDir);
    expect(d!.lastRun).toMatchObject({ run: 'down', state: 'failed', title: 'lab down alpha' });
    expect(d!.lastRun!.runId).not.toBe(rec!.lastRun!.runId);
    expect(d!.report.nextCommand).toBe(`bmc-emu lab up -c ${join(dir, 'lab.yaml')}`);
  });

  it('$BMCEMU_STATE_DIR finds the serve without a flag', async () => {
    const stateDir = await tempDir('bmcemu-labrep-serve-');
    const serve = await started(stateDir);
    const dir = await labDir('beta');
    const up = cli(['lab', 'up'], dir, { BMCEMU_STATE_DIR: stateDir });
    expect(up.code, up.err).toBe(3);
    expect(up.err).toContain(`serve: progress reported to the serve of ${stateDir}`);
    expect((await labsOf(serve, stateDir)).map((l) => l.report.name)).toEqual(['beta']);
  });

  it('with no serve running, lab up says nothing about one and fails as before', async () => {
    const dir = await labDir('gamma');
    const up = cli(['lab', 'up', '--serve-state-dir', join(dir, 'no-serve-here')], dir);
    expect(up.code).toBe(3);
    expect(up.err).not.toContain('serve:');
    expect(up.err).toMatch(/libvirt .* driver is unavailable/);
  });
});
