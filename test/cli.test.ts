import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './support/ironic.js';
import { tempDirs } from './support/temp-dirs.js';
import { udpFree } from './support/serve-process.js';

const tempDir = tempDirs();

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env, CI: process.env.CI ?? '' },
  });
}

/**
 * Flags for a serve run: a free Redfish port, free IPMI ports below Linux's ephemeral range (so no
 * client socket elsewhere can take them meanwhile), and a state dir of its own.
 */
async function serveFlags(nodes: number): Promise<string[]> {
  const redfish = await freePort();
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    if (await udpFree(base, nodes)) {
      return [
        '--redfish-port',
        String(redfish),
        '--ipmi-base-port',
        String(base),
        '--state-dir',
        await tempDir('bmcemu-cli-state-'),
      ];
    }
  }
  throw new Error('no free UDP port range for IPMI');
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
      [BIN, 'serve', '--driver', 'memory', '--log-level', 'warn', ...(await serveFlags(3))],
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
      [BIN, 'serve', '--driver', 'memory', '--demo-nodes', '1', ...(await serveFlags(1))],
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
    const dir = await tempDir('bmcemu-cli-');
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
