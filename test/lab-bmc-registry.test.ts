/**
 * `lab up` registers its BMCs with a `bmc-emu serve` (issue #11 + #12): a serve runs first with two other
 * domains, one of them on the IPMI port the lab wants; `lab up` adds the lab's BMCs through the management
 * API, so ipmitool reaches every `ipmi://` address of install-config.yaml and python3-sushy every redfish
 * address, each with its host's own account, live. `lab down` takes exactly those BMCs out again. Then
 * offline: no serve runs, `lab up` writes the registry file and the next serve answers the same addresses.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from './support/ironic.js';
import {
  defineTestDomain,
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  type TestDomain,
  virsh,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { freeUdpRange } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const gate = requirePeers('lab BMCs registered with a running serve (libvirt, ipmitool, sushy)', [
  ...libvirtPeers.missing,
  pythonModule('sushy'),
  command('ipmitool'),
]);
const tempDir = tempDirs();
const LAB = 'bmcemu-t-reg';
const POOL = 'bmcemu-t-rpool';

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ipmi(port: number, user: string, password: string, ...cmd: string[]) {
  return spawnSync(
    'ipmitool',
    [
      '-I',
      'lanplus',
      '-C',
      '17',
      '-H',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      user,
      '-P',
      password,
      '-R',
      '2',
      '-N',
      '2',
      ...cmd,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
}

async function domstate(dom: string, want: string): Promise<string> {
  for (let i = 0; i < 150 && virsh('domstate', dom).trim() !== want; i++) await new Promise((r) => setTimeout(r, 100));
  return virsh('domstate', dom).trim();
}

/** requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override sushy's `verify=`: keep them out. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

const SUSHY = `
import json, sys, time, sushy
base, path, user, pw = sys.argv[1:5]
s = sushy.Sushy(base + '/redfish/v1', username=user, password=pw, verify=False)
out = {'members': len(s.get_system_collection().members_identities)}
sysobj = s.get_system(path)
out['before'] = str(sysobj.power_state)
for reset, want, key in ((sushy.RESET_ON, sushy.POWER_STATE_ON, 'on'), (sushy.RESET_FORCE_OFF, sushy.POWER_STATE_OFF, 'off')):
    sysobj.reset_system(reset)
    for i in range(150):
        sysobj.refresh()
        if sysobj.power_state == want: break
        time.sleep(0.2)
    out[key] = str(sysobj.power_state)
print(json.dumps(out))
`;

interface IcHost {
  name: string;
  bmc: { address: string; username: string; password: string };
}

gate.describe('lab up registers its BMCs with the serve (real libvirtd, ipmitool, sushy)', () => {
  let lv: Libvirtd;
  let dir: string;
  let serveDir: string;
  let serve: ChildProcess | undefined;
  let serveOut = '';
  const others: TestDomain[] = [];
  let base: number;
  let redfishPort: number;
  let before: string[];

  const startServe = async () => {
    serveOut = '';
    serve = spawn(
      process.execPath,
      [
        ...[BIN, 'serve', '--libvirt', lv.uri, '--redfish-port', String(redfishPort), '--no-tls'],
        ...['--ipmi-base-port', String(base), '--state-dir', serveDir, '--log-level', 'warn'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    serve.stdout!.on('data', (c: Buffer) => (serveOut += c.toString()));
    serve.stderr!.on('data', (c: Buffer) => (serveOut += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!serveOut.includes('bmc management') && Date.now() < deadline && serve.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    if (!serveOut.includes('bmc management')) throw new Error(`serve did not start: ${serveOut}`);
  };
  const stopServe = async () => {
    const p = serve;
    serve = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };
  const hosts = (): IcHost[] =>
    parse(readFileSync(join(dir, 'out/install-config.yaml'), 'utf8')).platform.baremetal.hosts as IcHost[];
  const registered = () =>
    (JSON.parse(readFileSync(join(serveDir, 'bmcs.json'), 'utf8')) as { bmcs: { node: string }[] }).bmcs.map(
      (b) => b.node,
    );

  beforeAll(async () => {
    lv = await startLibvirtd();
    dir = await tempDir('bmcemu-lab-reg-');
    chmodSync(dir, 0o755);
    serveDir = join(dir, 'serve');
    before = virsh('list', '--all', '--name').split('\n').filter(Boolean).sort();
    // two domains that are not the lab's: the serve gives them base and base+1 by its own order
    others.push(defineTestDomain('rega'), defineTestDomain('regb'));
    base = await freeUdpRange(6);
    redfishPort = await freePort();
    writeFileSync(
      join(dir, 'lab.yaml'),
      stringify({
        name: LAB,
        libvirt: { uris: [lv.uri], pool: { name: POOL, path: join(dir, 'pool') }, domainType: 'qemu' },
        // base+1 is the second other domain's port in the running serve: the lab's master-0 wants it
        bmc: { host: '127.0.0.1', redfishPort, tls: false, ipmiBasePort: base + 1 },
        controlPlane: {
          count: 2,
          vcpus: 1,
          memoryMiB: 256,
          disksGiB: [1],
          bmc: { username: 'cp', password: 'cp-pass' },
        },
        workers: { count: 1, vcpus: 1, memoryMiB: 256, disksGiB: [1], bmc: { kind: 'ipmi' } },
        hosts: { 'master-0': { bmc: { kind: 'ipmi', username: 'm0', password: 'm0-pass' } } },
        networks: { baremetal: { forward: 'isolated' } },
      }),
    );
    await startServe();
    // the other domains answer where the serve's own order put them
    expect(ipmi(base + 1, 'admin', 'password', 'power', 'status').stdout).toMatch(/Chassis Power is off/);
  }, LIBVIRTD_SETUP_MS);

  afterAll(async () => {
    try {
      await stopServe();
      if (dir && lv) cli(['lab', 'down', '-c', 'lab.yaml'], dir);
      for (const o of others) o.remove();
    } finally {
      await lv?.stop();
    }
  }, 180_000);

  it('up with the serve running registers every BMC live', () => {
    const r = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve-state-dir', serveDir], dir);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/bmcs: 3 added in the running serve of .*\(answering now\)/);
    expect(registered()).toEqual([`${LAB}-master-0`, `${LAB}-master-1`, `${LAB}-worker-0`]);
  }, 240_000);

  it('ipmitool powers every ipmi:// host of install-config with its own account; the other domain moved off', async () => {
    const ipmiHosts = hosts().filter((h) => h.bmc.address.startsWith('ipmi://'));
    expect(ipmiHosts.map((h) => [h.name, h.bmc.address])).toEqual([
      ['master-0', `ipmi://127.0.0.1:${base + 1}`],
      ['worker-0', `ipmi://127.0.0.1:${base + 3}`],
    ]);
    for (const h of ipmiHosts) {
      const port = Number(/:(\d+)$/.exec(h.bmc.address)![1]);
      const dom = `${LAB}-${h.name}`;
      const on = ipmi(port, h.bmc.username, h.bmc.password, 'chassis', 'power', 'on');
      expect(on.status, `${h.name}: ${on.stderr}`).toBe(0);
      expect(await domstate(dom, 'running')).toBe('running');
      expect(ipmi(port, h.bmc.username, h.bmc.password, 'chassis', 'power', 'off').status).toBe(0);
      expect(await domstate(dom, 'shut off')).toBe('shut off');
    }
    // base+1 is master-0's now: the serve's default account (the other domain's) is refused there
    expect(ipmi(base + 1, 'admin', 'password', 'power', 'status').status).not.toBe(0);
    expect(ipmi(base, 'admin', 'password', 'power', 'status').stdout).toMatch(/Chassis Power is/);
  }, 120_000);

  it("python3-sushy powers the redfish host through its address with its host's account, seeing only it", () => {
    const h = hosts().find((x) => x.name === 'master-1')!;
    const m = /^redfish(?:-virtualmedia)?\+(http:\/\/[^/]+)(\/redfish\/v1\/Systems\/[0-9a-f-]+)$/.exec(h.bmc.address);
    expect(m, h.bmc.address).not.toBeNull();
    expect([h.bmc.username, h.bmc.password]).toEqual(['cp', 'cp-pass']);
    const r = spawnSync(DEBIAN_PYTHON, ['-c', SUSHY, m![1]!, m![2]!, h.bmc.username, h.bmc.password], {
      encoding: 'utf8',
      timeout: 120_000,
      env: pythonEnv(),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
      members: 1,
      before: 'PowerState.OFF',
      on: 'PowerState.ON',
      off: 'PowerState.OFF',
    });
  }, 180_000);

  it('down takes out exactly the BMCs up added; the serve stops answering them', () => {
    const r = cli(['lab', 'down', '-c', 'lab.yaml'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/released 3 BMC\(s\)/);
    expect(registered()).toEqual([]);
    expect(ipmi(base + 1, 'm0', 'm0-pass', 'power', 'status').status).not.toBe(0);
    expect(virsh('list', '--all', '--name').split('\n').filter(Boolean).sort()).toEqual(
      [...before, ...others.map((o) => o.name)].sort(),
    );
  }, 120_000);

  it('with no serve running, up writes the registry and the next serve answers the same addresses', async () => {
    await stopServe();
    const r = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve-state-dir', serveDir], dir);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/bmcs: 3 added in .*bmcs\.json \(no serve runs there/);
    await startServe();
    const h = hosts().find((x) => x.name === 'master-0')!;
    expect(h.bmc.address).toBe(`ipmi://127.0.0.1:${base + 1}`);
    expect(ipmi(base + 1, 'm0', 'm0-pass', 'power', 'status').stdout).toMatch(/Chassis Power is off/);
    expect(ipmi(base + 3, 'admin', 'password', 'power', 'status').stdout).toMatch(/Chassis Power is off/);
    const down = cli(['lab', 'down', '-c', 'lab.yaml'], dir);
    expect(down.code, down.err).toBe(0);
    expect(registered()).toEqual([]);
  }, 240_000);
});
