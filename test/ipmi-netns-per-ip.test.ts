/**
 * One IP per node on a real (non-loopback) interface: `bmc-emu serve` runs inside a test-made network
 * namespace with two 172.31.x addresses on a bridge, and ipmitool talks to it from a second namespace over
 * a veth pair, on port 623 like a real BMC. Runs the BUILT CLI (`npm run build` first; `npm test` does).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoNodes } from '@bmc-emu/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetNs } from './support/netns.js';
import { command, fileExists, requirePeers, root } from './support/peers.js';

const CLI = resolve(import.meta.dirname, '../bin/bmc-emu.js');
const BUILT = resolve(import.meta.dirname, '../dist/src/cli.js');
const gate = requirePeers('ipmi one IP per node in a netns', [
  root(),
  command('ip', 'iproute2'),
  command('ipmitool'),
  fileExists(BUILT, 'npm run build'),
]);

const PASSWORD = 'netns-pw-1';

gate.describe('one IP per node on a bridge inside a network namespace (port 623)', () => {
  let bmcNs: NetNs;
  let clientNs: NetNs;
  let serve: ChildProcess;
  let dir: string;
  let banner = '';

  const ipmitool = (host: string, ...cmd: string[]) => {
    try {
      const stdout = clientNs.exec(
        'ipmitool',
        ...['-I', 'lanplus', '-C', '17', '-H', host, '-U', 'admin', '-P', PASSWORD, '-R', '2', '-N', '2', ...cmd],
      );
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? -1, stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bmcemu-ipmi-netns-'));
    bmcNs = new NetNs('bmci');
    clientNs = new NetNs('bmcc');
    bmcNs.addBridge('br-bmc', '172.31.0.10/24');
    bmcNs.exec('ip', 'addr', 'add', '172.31.0.11/24', 'dev', 'br-bmc');
    bmcNs.addVeth('vb0', 'vc0', clientNs, 'br-bmc');
    clientNs.exec('ip', 'addr', 'add', '172.31.0.100/24', 'dev', 'vc0');
    const cfg = join(dir, 'bmc-emu.yaml');
    writeFileSync(
      cfg,
      [
        `stateDir: ${join(dir, 'state')}`,
        `password: ${PASSWORD}`,
        'log: { level: warn }',
        'driver: { kind: memory, demoNodes: 2 }',
        'redfish: { enabled: false }',
        'ipmi: { addressBase: 172.31.0.10, addressPort: 623, bootFlagValidTimeoutSec: 2 }',
        '',
      ].join('\n'),
    );
    serve = bmcNs.spawn(process.execPath, [CLI, 'serve', '-c', cfg]);
    let stderr = '';
    serve.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`serve did not start in 20 s: ${banner}${stderr}`)), 20_000);
      serve.stdout?.on('data', (d: Buffer) => {
        banner += d.toString();
        if (banner.includes('ipmi udp')) {
          clearTimeout(timer);
          done();
        }
      });
      serve.once('exit', (code) => fail(new Error(`serve exited ${code}: ${banner}${stderr}`)));
    });
  }, 30_000);

  afterAll(() => {
    serve?.kill('SIGTERM');
    clientNs?.destroy();
    bmcNs?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('binds one socket per node on the bridge addresses, port 623', () => {
    expect(banner).toContain('ipmi udp 172.31.0.10-172.31.0.11:623 (2 BMCs');
    const sockets = bmcNs.exec('ss', '-H', '-uln');
    expect(sockets).toMatch(/172\.31\.0\.10:623\b/);
    expect(sockets).toMatch(/172\.31\.0\.11:623\b/);
    expect(sockets).not.toMatch(/0\.0\.0\.0:623\b/);
  });

  it('each IP answers ipmitool from the peer namespace with its own node GUID', async () => {
    const [n0, n1] = demoNodes(2);
    const g0 = ipmitool('172.31.0.10', 'mc', 'guid');
    const g1 = ipmitool('172.31.0.11', 'mc', 'guid');
    expect(g0.code, g0.stdout).toBe(0);
    expect(g1.code, g1.stdout).toBe(0);
    expect(g0.stdout).toContain(n0!.id);
    expect(g1.stdout).toContain(n1!.id);
    expect(g0.stdout).not.toContain(n1!.id);
    // power goes to the right node only
    expect(ipmitool('172.31.0.11', 'chassis', 'power', 'on').code).toBe(0);
    const deadline = Date.now() + 10_000; // the memory driver takes a moment to settle, like a VM
    while (!ipmitool('172.31.0.11', 'chassis', 'power', 'status').stdout.includes('Chassis Power is on')) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ipmitool('172.31.0.10', 'chassis', 'power', 'status').stdout).toContain('Chassis Power is off');
  });

  it('ipmi.bootFlagValidTimeoutSec from the YAML config clears the boot flag valid bit', async () => {
    expect(ipmitool('172.31.0.10', 'chassis', 'bootdev', 'pxe').code).toBe(0);
    expect(ipmitool('172.31.0.10', 'chassis', 'bootparam', 'get', '5').stdout).toContain('Boot Flag Valid');
    await new Promise((r) => setTimeout(r, 3000));
    expect(ipmitool('172.31.0.10', 'chassis', 'bootparam', 'get', '5').stdout).toContain('Boot Flag Invalid');
  });
});
