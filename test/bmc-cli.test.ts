import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();
const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('bmc-emu bmc (no server running: the registry file)', { timeout: 120_000 }, () => {
  it('add, list, show, set, stop, delete as vbmc users type them', async () => {
    const s = ['--state-dir', await tempDir('bmcemu-bmc-cli-')];
    expect(run(['bmc', 'add', 'node-0', '--port', '6240', '--username', 'u1', '--password', 'p1', ...s]).status).toBe(
      0,
    );
    const second = run(['bmc', 'add', 'node-1', ...s]);
    expect(second.stdout).toMatch(/node-1: IPMI port 6230; saved; applied when `bmc-emu serve` starts/);
    const clash = run(['bmc', 'add', 'node-2', '--port', '6240', ...s]);
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(/IPMI \*:6240 is already node-0's \(\*:6240\); choose another --port/);
    expect(run(['bmc', 'set', 'node-1', '--username', 'nu', '--password', 'npw', ...s]).status).toBe(0);
    expect(run(['bmc', 'stop', 'node-0', ...s]).status).toBe(0);
    const list = JSON.parse(run(['bmc', 'list', '--json', ...s]).stdout) as Array<Record<string, unknown>>;
    expect(list).toEqual([
      { node: 'node-0', ipmi: { port: 6240 }, user: 'u1', password: '***', active: false },
      { node: 'node-1', ipmi: { port: 6230 }, user: 'nu', password: '***', active: true },
    ]);
    expect(run(['bmc', 'show', 'node-1', '--show-passwords', '--json', ...s]).stdout).toMatch(/"password": "npw"/);
    expect(run(['bmc', 'list', ...s]).stdout).toMatch(/^node-0\s+down\s+::\s+6240\s+u1$/m);
    const gone = run(['bmc', 'delete', 'node-9', ...s]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/No BMC "node-9"/);
    expect(run(['bmc', 'delete', 'node-0', ...s]).status).toBe(0);
    expect(JSON.parse(run(['bmc', 'list', '--json', ...s]).stdout)).toHaveLength(1);
    const bad = run(['bmc', 'add', 'x', '--username', 'a-user-name-longer-than-16', '--password', 'p', ...s]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/BMC x: user: /);
  });

  it('`bmc-emu nodes` shows the registered IPMI port, and "-" for a stopped BMC', async () => {
    const dir = await tempDir('bmcemu-bmc-cli-');
    const s = ['--state-dir', dir];
    const nodes = () =>
      spawnSync(process.execPath, [BIN, 'nodes', '--driver', 'memory', '--json'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, BMCEMU_STATE_DIR: dir },
      });
    const ipmiOf = () =>
      Object.fromEntries(
        (JSON.parse(nodes().stdout) as Array<{ name: string; ipmi: string }>).map((n) => [n.name, n.ipmi]),
      );
    expect(ipmiOf()).toEqual({ 'node-0': '6230', 'node-1': '6231', 'node-2': '6232' });
    expect(run(['bmc', 'add', 'node-1', '--port', '7001', ...s]).status).toBe(0);
    expect(run(['bmc', 'add', 'node-2', '--port', '7002', ...s]).status).toBe(0);
    expect(run(['bmc', 'stop', 'node-2', ...s]).status).toBe(0);
    expect(ipmiOf()).toMatchObject({ 'node-1': '7001', 'node-2': '-' });
  });

  it('import vbmc keeps every port and credential, and refuses a clash before adding anything', async () => {
    const s = ['--state-dir', await tempDir('bmcemu-bmc-cli-')];
    const dry = run(['import', 'vbmc', join(fixtures, 'vbmc/tree'), '--dry-run', ...s]);
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout).bmcs).toHaveLength(3);
    expect(JSON.parse(run(['bmc', 'list', '--json', ...s]).stdout)).toEqual([]);
    expect(run(['bmc', 'add', 'other', '--port', '6231', ...s]).status).toBe(0);
    const clash = run(['import', 'vbmc', join(fixtures, 'vbmc/tree'), ...s]);
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(/IPMI 127.0.0.1:6231 is already other's/);
    expect(JSON.parse(run(['bmc', 'list', '--json', ...s]).stdout)).toHaveLength(1);
    expect(run(['bmc', 'delete', 'other', ...s]).status).toBe(0);
    const ok = run(['import', 'vbmc', join(fixtures, 'vbmc/tree'), ...s]);
    expect(ok.stdout).toMatch(/imported 3 BMC\(s\) from vbmc \(master-0:6230, master-1:6231, worker-0:6232\)/);
    expect(ok.stdout).toMatch(/libvirt_sasl_username/);
    const reg = JSON.parse(await readFile(join(s[1]!, 'bmcs.json'), 'utf8')) as {
      bmcs: Array<{ node: string; password: string }>;
    };
    expect(reg.bmcs.find((b) => b.node === 'master-1')!.password).toBe('s3cr=t;#not-comment');
  });

  it('import sushy writes a config that keeps the URL layout and names what it dropped', async () => {
    const dir = await tempDir('bmcemu-bmc-cli-');
    const outFile = join(dir, 'bmc-emu.yaml');
    const r = run(['import', 'sushy', join(fixtures, 'sushy/emulator.conf'), '--out', outFile, '--state-dir', dir]);
    expect(r.status).toBe(0);
    const yaml = await readFile(outFile, 'utf8');
    expect(yaml).toMatch(/port: 8001/);
    expect(yaml).toMatch(/tls: false/);
    expect(r.stderr).toMatch(/accounts kept from the htpasswd file: ironic, admin2/);
    expect(r.stderr).toMatch(/olddes .*crypt\(3\)/);
    expect(r.stderr).toMatch(/SUSHY_EMULATOR_BOOT_LOADER_MAP/);
  });
});
