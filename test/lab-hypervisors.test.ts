/**
 * A lab spread over two real libvirt hosts (issue #16): `libvirt.hypervisors` places master-0 on one and
 * worker-0 on the other; `lab up` makes the pool, networks, volumes and domains on each (the state file
 * names the host of every object), registers the BMCs, and one `bmc-emu serve` over both hypervisors
 * powers a node on each through the install-config addresses (ipmitool, python3-sushy). `lab status`
 * names each node's hypervisor; `lab down` leaves both hosts as they were.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from './support/ironic.js';
import { libvirtPeers, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { type RunningHosts, startLibvirtdHosts } from './support/libvirtd-hosts.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { freeUdpRange } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const peers = requirePeers('a lab over two libvirt hosts (ipmitool, sushy)', [
  command('ipmitool'),
  pythonModule('sushy'),
  command('nsenter', 'util-linux'),
  command('unshare', 'util-linux'),
]);
const tempDir = tempDirs();
const LAB = 'bmcemu-t-hvlab';

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

const SUSHY = `
import json, sys, time, sushy
base, path, user, pw, action = sys.argv[1:6]
s = sushy.Sushy(base + '/redfish/v1', username=user, password=pw, verify=False)
for i in range(150):
    try:
        sysobj = s.get_system(path)
        break
    except Exception:
        time.sleep(0.2)
else:
    raise SystemExit('system never appeared: ' + path)
sysobj.reset_system(sushy.RESET_ON if action == 'on' else sushy.RESET_FORCE_OFF)
print(json.dumps({'ok': True}))
`;

interface IcHost {
  name: string;
  bmc: { address: string; username: string; password: string };
}

libvirtPeers.describe('a lab over two real libvirt hosts', () =>
  peers.describe('lab up / status / down on both, one serve powering a node on each', () => {
    let hosts: RunningHosts | undefined;
    let serve: ChildProcess | undefined;
    let dir = '';
    let ipmiBase = 0;
    let redfishPort = 0;
    let before: string[][] = [];

    const host = (i: number) => hosts![i]!;
    const list = (i: number, ...args: string[]) =>
      host(i)
        .virsh(...args)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .sort();
    const seen = (i: number) => [
      ...list(i, 'list', '--all', '--name'),
      ...list(i, 'net-list', '--all', '--name'),
      ...list(i, 'pool-list', '--all', '--name'),
    ];
    const state = (i: number, dom: string) => hosts![i]!.virsh('domstate', dom).trim();
    const until = async (i: number, dom: string, want: string) => {
      for (let k = 0; k < 150 && state(i, dom) !== want; k++) await new Promise((r) => setTimeout(r, 200));
      return state(i, dom);
    };
    const icHosts = () =>
      parse(readFileSync(join(dir, 'out/install-config.yaml'), 'utf8')).platform.baremetal.hosts as IcHost[];

    beforeAll(async () => {
      dir = await tempDir('bmcemu-lab-2hv-');
      chmodSync(dir, 0o755);
      hosts = await startLibvirtdHosts([{}, {}]);
      before = [seen(0), seen(1)];
      ipmiBase = await freeUdpRange(4);
      redfishPort = await freePort();
      writeFileSync(
        join(dir, 'lab.yaml'),
        stringify({
          name: LAB,
          libvirt: {
            hypervisors: [
              { name: 'hv-a', uri: hosts[0]!.tcpUri, roles: ['master'] },
              { name: 'hv-b', uri: hosts[1]!.tcpUri, count: 1 },
            ],
            pool: { name: 'bmcemu-t-hvpool' },
            domainType: 'qemu',
          },
          bmc: { host: '127.0.0.1', redfishPort, tls: false, ipmiBasePort: ipmiBase },
          controlPlane: { count: 1, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
          workers: { count: 1, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
          hosts: { 'master-0': { bmc: { kind: 'ipmi', username: 'm0', password: 'm0-pass' } } },
          networks: { baremetal: { forward: 'isolated' } },
        }),
      );
    }, LIBVIRTD_SETUP_MS); // may wait for the machine-wide libvirtd lock

    afterAll(async () => {
      if (serve && serve.exitCode === null) {
        const exited = new Promise((r) => serve!.once('exit', r));
        serve.kill('SIGTERM');
        await exited;
      }
      try {
        if (hosts) cli(['lab', 'down', '-c', 'lab.yaml'], dir);
      } finally {
        await hosts?.stop();
      }
    }, 180_000);

    it('plan shows each object on its hypervisor; up creates them there and records the host of each', () => {
      const plan = cli(['lab', 'plan', '-c', 'lab.yaml'], dir);
      expect(plan.code, plan.err).toBe(0);
      expect(plan.out).toMatch(/\+ create domain bmcemu-t-hvlab-master-0 .* on hv-a\n/);
      expect(plan.out).toMatch(/\+ create domain bmcemu-t-hvlab-worker-0 .* on hv-b\n/);
      expect(plan.out).toMatch(/\+ create pool bmcemu-t-hvpool .* on hv-a\n/);
      expect(plan.out).toMatch(/\+ create pool bmcemu-t-hvpool .* on hv-b\n/);
      const up = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve-state-dir', join(dir, 'serve')], dir);
      expect(up.code, up.err + up.out).toBe(0);
      expect(up.out).toMatch(/bmcs: 2 added in .*bmcs\.json/);
      expect(list(0, 'list', '--all', '--name')).toContain(`${LAB}-master-0`);
      expect(list(0, 'list', '--all', '--name')).not.toContain(`${LAB}-worker-0`);
      expect(list(1, 'list', '--all', '--name')).toContain(`${LAB}-worker-0`);
      expect(list(1, 'list', '--all', '--name')).not.toContain(`${LAB}-master-0`);
      for (const i of [0, 1]) {
        expect(list(i, 'net-list', '--name')).toEqual(
          expect.arrayContaining([`${LAB.slice(0, 13)}bm`, `${LAB.slice(0, 13)}pr`]),
        );
      }
      const st = JSON.parse(readFileSync(join(dir, '.bmc-emu-lab/lab-state.json'), 'utf8')) as {
        hosts: Record<string, string>;
        objects: { kind: string; name: string; host: string }[];
      };
      expect(st.hosts).toEqual({ 'hv-a': hosts![0]!.tcpUri, 'hv-b': hosts![1]!.tcpUri });
      const domains = st.objects.filter((o) => o.kind === 'domain').map((o) => `${o.name}@${o.host}`);
      expect(domains.sort()).toEqual([`${LAB}-master-0@hv-a`, `${LAB}-worker-0@hv-b`]);
      expect(
        st.objects
          .filter((o) => o.kind === 'pool')
          .map((o) => o.host)
          .sort(),
      ).toEqual(['hv-a', 'hv-b']);
      const again = cli(['lab', 'plan', '-c', 'lab.yaml'], dir);
      expect(again.out).toMatch(/plan: nothing to do/);
    }, 300_000);

    it('one serve over both hypervisors powers a node on each through the install-config addresses', async () => {
      serve = spawn(
        process.execPath,
        [
          ...[BIN, 'serve', '--libvirt', hosts![0]!.tcpUri, '--libvirt', hosts![1]!.tcpUri],
          ...['--redfish-port', String(redfishPort), '--no-tls', '--ipmi-base-port', String(ipmiBase + 10)],
          ...['--state-dir', join(dir, 'serve'), '--log-level', 'warn'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      serve.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      serve.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      for (let i = 0; i < 300 && !out.includes('bmc management') && serve.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/serving 2 node\(s\)/);

      const [master, worker] = icHosts();
      expect(master!.bmc.address).toBe(`ipmi://127.0.0.1:${ipmiBase}`);
      const ipmi = (...cmd: string[]) =>
        spawnSync(
          'ipmitool',
          [
            ...['-I', 'lanplus', '-C', '17', '-H', '127.0.0.1', '-p', String(ipmiBase)],
            ...['-U', master!.bmc.username, '-P', master!.bmc.password, ...cmd],
          ],
          { encoding: 'utf8', timeout: 30_000 },
        );
      const on = ipmi('chassis', 'power', 'on');
      expect(on.status, on.stderr).toBe(0);
      expect(await until(0, `${LAB}-master-0`, 'running')).toBe('running');
      expect(ipmi('chassis', 'power', 'off').status).toBe(0);
      expect(await until(0, `${LAB}-master-0`, 'shut off')).toBe('shut off');

      const m = /^redfish-virtualmedia\+(http:\/\/[^/]+)(\/redfish\/v1\/Systems\/[0-9a-f-]+)$/.exec(
        worker!.bmc.address,
      );
      expect(m, worker!.bmc.address).not.toBeNull();
      const sushy = (action: string) =>
        spawnSync(DEBIAN_PYTHON, ['-c', SUSHY, m![1]!, m![2]!, worker!.bmc.username, worker!.bmc.password, action], {
          encoding: 'utf8',
          timeout: 120_000,
          env: pythonEnv(),
        });
      const r = sushy('on');
      expect(r.status, r.stderr).toBe(0);
      expect(await until(1, `${LAB}-worker-0`, 'running')).toBe('running');
      expect(sushy('off').status).toBe(0);
      expect(await until(1, `${LAB}-worker-0`, 'shut off')).toBe('shut off');
    }, 240_000);

    it('status names each node’s hypervisor (text column and --json)', () => {
      const json = cli(['lab', 'status', '-c', 'lab.yaml', '--json'], dir);
      expect(json.code, json.err).toBe(0);
      const rows = JSON.parse(json.out) as { name: string; hypervisor: string; hypervisorUri: string; power: string }[];
      expect(rows.map((x) => [x.name, x.hypervisor, x.hypervisorUri, x.power])).toEqual([
        ['master-0', 'hv-a', hosts![0]!.tcpUri, 'shut off'],
        ['worker-0', 'hv-b', hosts![1]!.tcpUri, 'shut off'],
      ]);
      const text = cli(['lab', 'status', '-c', 'lab.yaml'], dir);
      expect(text.out).toMatch(/^NAME\s+ROLE\s+HYPERVISOR\s+POWER/);
      expect(text.out).toMatch(/\nmaster-0\s+master\s+hv-a\s+shut off/);
      expect(text.out).toMatch(/\nworker-0\s+worker\s+hv-b\s+shut off/);
    });

    it('down leaves both hosts as before and the registry without the lab', () => {
      const r = cli(['lab', 'down', '-c', 'lab.yaml'], dir);
      expect(r.code, r.err).toBe(0);
      expect([seen(0), seen(1)]).toEqual(before);
      const reg = JSON.parse(readFileSync(join(dir, 'serve/bmcs.json'), 'utf8')) as { bmcs: unknown[] };
      expect(reg.bmcs).toEqual([]);
    }, 180_000);
  }),
);
