import { spawn, spawnSync } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';
import { freeUdpRange, type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('live BMC management over IPMI', [command('ipmitool')]);
// libvirt's built-in test driver plays the three vbmc domains (virsh, no daemon).
const vbmcGate = requirePeers('vbmc import served over IPMI', [
  command('ipmitool'),
  command('virsh', 'libvirt-clients'),
]);

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
}

/** One `power status` with no retries, so a refused or closed BMC fails within a couple of seconds. */
function power(port: number, user: string, password: string) {
  return run('ipmitool', [
    ...['-I', 'lanplus', '-C', '17', '-H', '127.0.0.1', '-p', String(port), '-U', user, '-P', password],
    ...['-R', '1', '-N', '1', 'power', 'status'],
  ]);
}

gate.describe('a running serve applies `bmc` changes live (real ipmitool)', () => {
  let serve: ServeProcess;
  let stateDir: string;
  let port: number;
  const bmc = (...args: string[]) => cli(['bmc', ...args, '--state-dir', stateDir]);

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-live-');
    serve = await startServe({ nodes: 1, stateDir });
    port = await freeUdpRange(2);
  });
  afterAll(() => serve?.stop());

  it('a memory BMC added live answers on its own port and account, without a restart', async () => {
    const add = bmc('add', 'live-1', '--memory', '--port', String(port), '--username', 'alice', '--password', 'a-pw1');
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(/applied to the running server/);
    const ok = await power(port, 'alice', 'a-pw1');
    expect(ok.stdout).toMatch(/Chassis Power is (on|off)/);
    expect((await power(port, 'admin', 'password')).code).not.toBe(0);
  });

  it('after `bmc set --password` the old password is refused at once and the new one works', async () => {
    expect(bmc('set', 'live-1', '--password', 'a-pw2').status).toBe(0);
    expect((await power(port, 'alice', 'a-pw1')).code).not.toBe(0);
    expect((await power(port, 'alice', 'a-pw2')).stdout).toMatch(/Chassis Power is/);
  });

  it('`bmc stop` closes the BMC, `bmc start` opens it again', async () => {
    expect(bmc('stop', 'live-1').status).toBe(0);
    expect((await power(port, 'alice', 'a-pw2')).code).not.toBe(0);
    expect(bmc('start', 'live-1').status).toBe(0);
    expect((await power(port, 'alice', 'a-pw2')).stdout).toMatch(/Chassis Power is/);
  });

  it('a port already in use is refused with its owner named, and nothing changes', async () => {
    const squatter = spawn(process.execPath, [
      '-e',
      `require('node:dgram').createSocket('udp4').bind(${port + 1}, '127.0.0.1', () => console.log('bound'))`,
    ]);
    await new Promise((r) => squatter.stdout.once('data', r));
    try {
      const clash = bmc('add', 'live-2', '--memory', '--port', String(port + 1));
      expect(clash.status).not.toBe(0);
      expect(clash.stderr).toMatch(
        new RegExp(`UDP port ${port + 1} is already in use by process ${squatter.pid} \\(node\\)`),
      );
      expect(bmc('show', 'live-2').status).not.toBe(0);
    } finally {
      squatter.kill();
    }
  });

  it('a deleted BMC stops answering and its memory node is gone', async () => {
    expect(bmc('delete', 'live-1').status).toBe(0);
    expect((await power(port, 'alice', 'a-pw2')).code).not.toBe(0);
    const names = await run('curl', [
      ...['-s', '--cacert', join(stateDir, 'tls', 'ca.crt'), '-u', 'admin:password'],
      `https://127.0.0.1:${serve.redfishPort}/redfish/v1/Systems?$expand=.`,
    ]);
    expect(names.stdout).toMatch(/"Name":"node-0"/);
    expect(names.stdout).not.toMatch(/live-1/);
  });
});

vbmcGate.describe('a vbmc config tree imported, then served: the same ipmitool commands work', () => {
  let serve: ServeProcess | undefined;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    const dir = await tempDir('bmcemu-vbmc-live-');
    const tree = join(dir, 'vbmc');
    await cp(join(fixtures, 'vbmc/tree'), tree, { recursive: true });
    const base = await freeUdpRange(3);
    const domains = (await readdir(tree)).sort();
    const xml = domains.map(
      (name, i) =>
        `<domain type='test'><name>${name}</name><uuid>6a1c0000-0000-4000-8000-00000000000${i}</uuid>` +
        `<memory unit='MiB'>512</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    await writeFile(join(dir, 'host.xml'), `<node>${xml.join('')}</node>`);
    for (const [i, name] of domains.entries()) {
      const file = join(tree, name, 'config');
      ports[name] = base + i;
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^port = \d+$/m, `port = ${base + i}`));
    }
    const stateDir = join(dir, 'state');
    const imported = cli(['import', 'vbmc', tree, '--state-dir', stateDir]);
    expect(imported.status, imported.stderr).toBe(0);
    const config = join(dir, 'bmc-emu.yaml');
    await writeFile(
      config,
      `driver:\n  kind: libvirt\n  libvirtUris: ['test://${join(dir, 'host.xml')}']\n  serve: listed\n`,
    );
    serve = await startServe({ nodes: 0, stateDir, extraArgs: ['-c', config, '--driver', 'libvirt'] });
  });
  afterAll(() => serve?.stop());

  it('each active domain answers with its own user and password; the inactive one does not', async () => {
    expect((await power(ports['master-0']!, 'admin', 'password')).stdout).toMatch(/Chassis Power is/);
    expect((await power(ports['worker-0']!, 'root', 'calvin')).stdout).toMatch(/Chassis Power is/);
    expect((await power(ports['worker-0']!, 'admin', 'password')).code).not.toBe(0);
    expect((await power(ports['master-1']!, 'ipmiuser', 's3cr=t;#not-comment')).code).not.toBe(0);
  });

  it('`bmc start` on the inactive one opens it on its own address with its own password', async () => {
    const s = serve!.output();
    expect(s).toMatch(/bmc management unix:/);
    const stateDir = /unix:(.*)\/bmc-emu\.sock/.exec(s)![1]!;
    expect(cli(['bmc', 'start', 'master-1', '--state-dir', stateDir]).status).toBe(0);
    expect((await power(ports['master-1']!, 'ipmiuser', 's3cr=t;#not-comment')).stdout).toMatch(/Chassis Power is/);
  });
});

gate.describe('registered BMCs own their ports from the start (driver.serve: all)', () => {
  let serve: ServeProcess | undefined;
  let base: number;

  beforeAll(async () => {
    const stateDir = await tempDir('bmcemu-live-order-');
    base = await freeUdpRange(3);
    // node-1 registered (offline, no server yet) on the port node-0 would get by list order
    const add = cli([
      'bmc',
      'add',
      'node-1',
      '--port',
      String(base),
      '--username',
      'n1',
      '--password',
      'n1-pw',
      '--state-dir',
      stateDir,
    ]);
    expect(add.status, add.stderr).toBe(0);
    serve = await startServe({ nodes: 2, stateDir, extraArgs: ['--ipmi-base-port', String(base)] });
  });
  afterAll(() => serve?.stop());

  it('node-1 answers on its registered port with its account; unregistered node-0 moves to a free slot', async () => {
    expect((await power(base, 'n1', 'n1-pw')).stdout).toMatch(/Chassis Power is/);
    expect((await power(base + 1, 'admin', 'password')).stdout).toMatch(/Chassis Power is/);
  });
});
