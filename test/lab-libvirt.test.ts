/**
 * `bmc-emu lab up | plan | status | down` against a real libvirtd (private, in a test-made namespace),
 * TCG guests of 256 MiB with 1 GiB disks; python3-sushy powers node 0 through the BMC address written in
 * install-config.yaml, served by a `bmc-emu serve` started before the lab existed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, ironicPeers, startIronic } from './support/ironic.js';
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
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const gate = requirePeers('lab on libvirt + sushy + ipmitool', [
  ...libvirtPeers.missing,
  pythonModule('sushy'),
  command('ipmitool'),
  command('dig', 'bind9-dnsutils'),
  ...ironicPeers(),
]);
const tempDir = tempDirs();
const LAB = 'bmcemu-t-lab';
const POOL = 'bmcemu-t-pool';

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const list = (...args: string[]) =>
  virsh(...args)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();

function seen() {
  return {
    domains: list('list', '--all', '--name'),
    networks: list('net-list', '--all', '--name'),
    volumes: list('vol-list', POOL).map((l) => l.split(/\s+/)[0]!),
  };
}

/** requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override sushy's `verify=`: keep them out. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

function removePool(): void {
  const tryVirsh = (...a: string[]) => {
    try {
      virsh(...a);
    } catch {}
  };
  if (!list('pool-list', '--all', '--name').includes(POOL)) return;
  tryVirsh('pool-start', POOL);
  let vols: string[] = [];
  try {
    vols = list('vol-list', POOL).map((l) => l.split(/\s+/)[0]!);
  } catch {} // its directory is gone: nothing to delete
  for (const v of vols) tryVirsh('vol-delete', '--pool', POOL, v);
  tryVirsh('pool-destroy', POOL);
  tryVirsh('pool-delete', POOL);
  tryVirsh('pool-undefine', POOL);
}

const SUSHY_POWER = `
import json, sys, time, sushy
url, user, pw, path, ca = sys.argv[1:6]
s = sushy.Sushy(url + '/redfish/v1', username=user, password=pw, verify=ca)
out = {}
for i in range(150):
    try:
        sysobj = s.get_system(path)
        break
    except Exception as e:
        time.sleep(0.2)
else:
    raise SystemExit('system never appeared: ' + path)
out['before'] = str(sysobj.power_state)
sysobj.reset_system(sushy.RESET_ON)
for i in range(150):
    sysobj.refresh()
    if sysobj.power_state == sushy.POWER_STATE_ON: break
    time.sleep(0.2)
out['on'] = str(sysobj.power_state)
sysobj.reset_system(sushy.RESET_FORCE_OFF)
for i in range(150):
    sysobj.refresh()
    if sysobj.power_state == sushy.POWER_STATE_OFF: break
    time.sleep(0.2)
out['off'] = str(sysobj.power_state)
print(json.dumps(out))
`;

gate.describe('lab up / plan / status / down on a real libvirtd', () => {
  let lv: Libvirtd;
  let dir: string;
  let serve: ChildProcess | undefined;
  let serve2: ChildProcess | undefined;
  let other: TestDomain;
  let redfishPort: number;
  let before: ReturnType<typeof seen>;

  beforeAll(async () => {
    lv = await startLibvirtd();
    dir = await tempDir('bmcemu-lab-lv-');
    chmodSync(dir, 0o755);
    removePool(); // a leftover of an interrupted run (pool definitions outlive libvirtd)
    // a pool that exists before the lab, with a volume that is not the lab's, and a domain that is not either
    virsh('pool-define-as', POOL, 'dir', '--target', join(dir, 'pool'));
    virsh('pool-build', POOL);
    virsh('pool-start', POOL);
    virsh('vol-create-as', POOL, 'not-the-labs.qcow2', '16M', '--format', 'qcow2');
    other = defineTestDomain('other');
    redfishPort = await freePort();
    writeFileSync(
      join(dir, 'lab.yaml'),
      stringify({
        name: LAB,
        libvirt: { uris: [lv.uri], pool: { name: POOL, path: join(dir, 'pool') }, domainType: 'qemu' },
        bmc: { host: '127.0.0.1', redfishPort, ipmiBasePort: 16230 },
        controlPlane: { count: 3, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
        hosts: { 'master-2': { bmc: { kind: 'ipmi' } } },
        networks: { baremetal: { forward: 'isolated' } },
      }),
    );
    before = seen();
    // serve first: it must pick the lab's domains up without a restart
    serve = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--libvirt',
        lv.uri,
        '--redfish-port',
        String(redfishPort),
        '--no-ipmi',
        '--state-dir',
        join(dir, 'serve'),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    serve.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    serve.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes('serving') && Date.now() < deadline && serve.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    if (!out.includes('serving')) throw new Error(`serve did not start: ${out}`);
  }, LIBVIRTD_SETUP_MS);

  afterAll(async () => {
    for (const p of [serve, serve2]) {
      if (p && p.exitCode === null) {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await exited;
      }
    }
    // every cleanup runs even when one throws; the libvirtd is always stopped
    try {
      if (dir && lv) cli(['lab', 'down', '-c', 'lab.yaml'], dir);
      other?.remove();
      if (lv) removePool();
    } finally {
      await lv?.stop();
    }
  }, 180_000);

  it("refuses a colliding network that is not the lab's, before creating anything", () => {
    const xml = join(dir, 'intruder.xml');
    writeFileSync(xml, `<network><name>${LAB.slice(0, 13)}bm</name><bridge name="bmct-intr0"/></network>`);
    virsh('net-define', xml);
    try {
      const r = cli(['lab', 'up', '-c', 'lab.yaml'], dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/network bmcemu-t-labbm: a network of that name exists and is not tagged with this lab/);
      expect(seen()).toEqual({ ...before, networks: [...before.networks, `${LAB.slice(0, 13)}bm`].sort() });
      expect(existsSync(join(dir, '.bmc-emu-lab/lab-state.json'))).toBe(false);
    } finally {
      virsh('net-undefine', `${LAB.slice(0, 13)}bm`);
    }
  });

  it('up creates 3 powered-off nodes, two networks and the volumes, tagged; plan after it is empty', () => {
    const r = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve-state-dir', join(dir, 'serve2')], dir);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/\[1\/\d+\] \+ create network bmcemu-t-labpr/);
    const now = seen();
    const nodes = ['master-0', 'master-1', 'master-2'].map((n) => `${LAB}-${n}`);
    expect(now.domains).toEqual([...before.domains, ...nodes].sort());
    expect(now.networks).toEqual([...before.networks, `${LAB.slice(0, 13)}bm`, `${LAB.slice(0, 13)}pr`].sort());
    expect(now.volumes).toEqual([...before.volumes, ...nodes.map((n) => `${n}-disk0.qcow2`)].sort());
    for (const n of nodes) {
      expect(virsh('domstate', n).trim()).toBe('shut off');
      expect(virsh('dumpxml', '--inactive', n)).toContain(`name="${LAB}"`);
    }
    expect(list('net-list', '--name')).toEqual(
      expect.arrayContaining([`${LAB.slice(0, 13)}bm`, `${LAB.slice(0, 13)}pr`]),
    );
    // libvirt's dnsmasq answers for api, api-int, *.apps and every node (dig, inside the namespace)
    const dig = (name: string) => lv.netns.exec('dig', '+short', '+time=2', '+tries=3', '@192.168.111.1', name).trim();
    expect(dig(`api.${LAB}.example.com`)).toBe('192.168.111.5');
    expect(dig(`api-int.${LAB}.example.com`)).toBe('192.168.111.5');
    expect(dig(`console-openshift-console.apps.${LAB}.example.com`)).toBe('192.168.111.4');
    expect(dig(`master-1.${LAB}.example.com`)).toBe('192.168.111.21');
    const plan = cli(['lab', 'plan', '-c', 'lab.yaml'], dir);
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/plan: nothing to do/);
    const json = JSON.parse(cli(['lab', 'plan', '-c', 'lab.yaml', '--json'], dir).out) as { action: string }[];
    expect(json.filter((s) => s.action !== 'keep')).toEqual([]);
    const again = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out'], dir);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/up: 0 change\(s\)/);
    expect(seen()).toEqual(now);
  }, 240_000);

  it('python3-sushy powers node 0 on and off through bmc.address from install-config.yaml', async () => {
    const ic = parse(readFileSync(join(dir, 'out/install-config.yaml'), 'utf8'));
    const host = ic.platform.baremetal.hosts[0];
    const m = /^redfish-virtualmedia\+(https:\/\/[^/]+)(\/redfish\/v1\/Systems\/[0-9a-f-]+)$/.exec(host.bmc.address);
    expect(m).not.toBeNull();
    // verify against serve's own CA (what bmc.caFile / `bmc-emu ca` gives a real user)
    const ca = cli(['ca', '--state-dir', join(dir, 'serve')], dir);
    writeFileSync(join(dir, 'ca.pem'), ca.out);
    const r = spawnSync(
      DEBIAN_PYTHON,
      ['-c', SUSHY_POWER, m![1]!, host.bmc.username, host.bmc.password, m![2]!, join(dir, 'ca.pem')],
      { encoding: 'utf8', timeout: 120_000, env: pythonEnv() },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
      before: 'PowerState.OFF',
      on: 'PowerState.ON',
      off: 'PowerState.OFF',
    });
    expect(virsh('domstate', `${LAB}-master-0`).trim()).toBe('shut off');
  }, 180_000);

  it('ipmitool powers the host declared ipmi through its ipmi:// address (serve started after up)', async () => {
    const ic = parse(readFileSync(join(dir, 'out/install-config.yaml'), 'utf8'));
    const host = ic.platform.baremetal.hosts[2];
    const m = /^ipmi:\/\/127\.0\.0\.1:(\d+)$/.exec(host.bmc.address);
    expect(m).not.toBeNull();
    serve2 = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--libvirt',
        lv.uri,
        '--no-redfish',
        '--ipmi-base-port',
        '16230',
        '--state-dir',
        join(dir, 'serve2'),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    serve2.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes('serving') && Date.now() < deadline && serve2.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    const ipmi = (...cmd: string[]) =>
      spawnSync(
        'ipmitool',
        [
          '-I',
          'lanplus',
          '-C',
          '17',
          '-H',
          '127.0.0.1',
          '-p',
          m![1]!,
          '-U',
          host.bmc.username,
          '-P',
          host.bmc.password,
          ...cmd,
        ],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
    const on = ipmi('chassis', 'power', 'on');
    expect(on.status, on.stderr).toBe(0);
    const dom = `${LAB}-master-2`;
    const until = async (state: string) => {
      for (let i = 0; i < 100 && virsh('domstate', dom).trim() !== state; i++)
        await new Promise((r) => setTimeout(r, 100));
      return virsh('domstate', dom).trim();
    };
    expect(await until('running')).toBe('running');
    // the BMC reports what the driver has seen (its cache follows libvirt events): wait for it
    let status = '';
    for (let i = 0; i < 50 && !/is on/.test(status); i++) {
      status = ipmi('chassis', 'power', 'status').stdout;
      if (!/is on/.test(status)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toMatch(/Chassis Power is on/);
    expect(ipmi('chassis', 'power', 'off').status).toBe(0);
    expect(await until('shut off')).toBe('shut off');
  }, 120_000);

  it('real Ironic enrolls nodes.json and validates power and management for every node', async () => {
    const ironic = await startIronic();
    try {
      const { nodes } = JSON.parse(readFileSync(join(dir, 'out/nodes.json'), 'utf8')) as {
        nodes: ({ ports: { address: string; pxe_enabled: boolean }[] } & Record<string, unknown>)[];
      };
      expect(nodes).toHaveLength(3);
      for (const { ports, ...node } of nodes) {
        const made = await ironic.api('POST', '/v1/nodes', node);
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        for (const port of ports) {
          const p = await ironic.api('POST', '/v1/ports', { node_uuid: made.body.uuid, ...port });
          expect(p.status, JSON.stringify(p.body)).toBe(201);
        }
        const v = await ironic.api('GET', `/v1/nodes/${made.body.uuid}/validate`);
        expect({ node: node.name, power: v.body.power, management: v.body.management }).toMatchObject({
          node: node.name,
          power: { result: true },
          management: { result: true },
        });
      }
    } finally {
      await ironic.stop();
    }
  }, 180_000);

  it('status has one line per node', () => {
    const r = cli(['lab', 'status', '-c', 'lab.yaml', '--json'], dir);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as { name: string; power: string; bmc: string; lastBoot: string }[];
    expect(rows.map((x) => x.name)).toEqual(['master-0', 'master-1', 'master-2']);
    expect(rows.every((x) => x.power === 'shut off')).toBe(true);
    expect(rows[0]!.bmc).toMatch(/^redfish-virtualmedia\+https:\/\/127\.0\.0\.1:/);
  });

  it('a changed size is applied (memory redefined, disk grown) and plan is empty again', () => {
    const lab = parse(readFileSync(join(dir, 'lab.yaml'), 'utf8'));
    lab.controlPlane.memoryMiB = 320;
    lab.controlPlane.disksGiB = [2];
    writeFileSync(join(dir, 'lab2.yaml'), stringify(lab));
    const plan = cli(['lab', 'plan', '-c', 'lab2.yaml'], dir);
    expect(plan.out).toMatch(/~ update domain bmcemu-t-lab-master-0/);
    expect(plan.out).toMatch(/~ resize volume bmcemu-t-pool\/bmcemu-t-lab-master-0-disk0\.qcow2 \(1 -> 2 GiB\)/);
    const up = cli(['lab', 'up', '-c', 'lab2.yaml', '--out', 'out'], dir);
    expect(up.code, up.err).toBe(0);
    expect(virsh('dumpxml', '--inactive', `${LAB}-master-1`)).toMatch(/<memory unit='KiB'>327680<\/memory>/);
    expect(cli(['lab', 'plan', '-c', 'lab2.yaml'], dir).out).toMatch(/plan: nothing to do/);
  }, 240_000);

  it('down leaves virsh list --all, net-list --all and the pool volumes exactly as before', () => {
    const r = cli(['lab', 'down', '-c', 'lab.yaml'], dir);
    expect(r.code, r.err).toBe(0);
    expect(seen()).toEqual(before);
    expect(existsSync(join(dir, '.bmc-emu-lab/lab-state.json'))).toBe(false);
    expect(virsh('domstate', other.name).trim()).toBe('shut off');
  }, 120_000);
});
