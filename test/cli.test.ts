import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './support/ironic.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env, CI: process.env.CI ?? '' },
  });
}

/** Ports for a serve run: a Redfish port and a base for 3 IPMI ports, on loopback. */
async function servePorts(): Promise<string[]> {
  const redfish = await freePort();
  const ipmiBase = 20000 + Math.floor(Math.random() * 20000);
  return ['--redfish-port', String(redfish), '--ipmi-base-port', String(ipmiBase)];
}

describe('bmc-emu CLI', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints its version and help', () => {
    const v = run(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = run(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('serve');
    expect(h.stdout).toContain('nodes');
  });

  it('serves the demo nodes on the memory driver, says so, and exits 0 on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [BIN, 'serve', '--driver', 'memory', '--log-level', 'warn', ...(await servePorts())],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!out.includes('serving') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(out).toMatch(/bmc-emu serving 3 node\(s\) on the memory driver/);
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 0 on SIGINT too', async () => {
    child = spawn(
      process.execPath,
      [BIN, 'serve', '--driver', 'memory', '--demo-nodes', '1', ...(await servePorts())],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!out.includes('serving') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('lists nodes as a table and as JSON', () => {
    const t = run(['nodes', '--driver', 'memory', '--demo-nodes', '2']);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/^NAME\s+UUID\s+POWER/);
    expect(t.stdout).toContain('node-1');
    const j = run(['nodes', '--driver', 'memory', '--demo-nodes', '2', '--json']);
    const nodes = JSON.parse(j.stdout) as { name: string; nics: { mac: string }[] }[];
    expect(nodes.map((n) => n.name)).toEqual(['node-0', 'node-1']);
  });

  it('refuses a non-loopback bind with the default password (exit 2, says why)', () => {
    const r = run(['serve', '--driver', 'memory', '--bind', '0.0.0.0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/default password/);
  });

  it('names a bad config key and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bmcemu-cli-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'redfish:\n  prot: 8000\n');
    const r = run(['serve', '--config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/redfish\.prot/);
  });

  it('rejects a bad flag value and an unknown env var with exit 2', () => {
    expect(run(['serve', '--redfish-port', 'eighty']).status).toBe(2);
    const r = run(['nodes', '--driver', 'memory'], { BMCEMU_REDFISH_PROT: '1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/BMCEMU_REDFISH_PROT/);
  });
});
