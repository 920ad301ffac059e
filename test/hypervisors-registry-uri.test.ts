/**
 * A BMC registry record whose libvirt URI no configured hypervisor has (here: imported from a vbmc config
 * tree whose `libvirt_uri` is a second real libvirtd's qemu+tcp:// URI) makes serve connect to that host
 * as an extra hypervisor, named from the URI's host: ipmitool powers the node there with the vbmc account
 * and port, and `bmc-emu nodes` lists the node and the hypervisor. A `bmc add --libvirt-uri` naming a third
 * host on the running server connects to it live; `bmc delete` of the last record naming it disconnects it
 * (its libvirtd sees no connection from serve any more), while a configured hypervisor stays when a record
 * that named its URI goes.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { configSchema } from '../src/config-schema.js';
import { type RunningServer, startServer } from '../src/serve.js';
import { libvirtPeers, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { type LibvirtdHost, type RunningHosts, startLibvirtdHosts } from './support/libvirtd-hosts.js';
import { logCapture } from './support/log-capture.js';
import { command, requirePeers } from './support/peers.js';
import { freeUdpRange } from './support/serve-process.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const peers = requirePeers('registry libvirt URIs (ipmitool)', [command('ipmitool')]);

const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
/** The CLI while this process serves (the management socket must keep answering meanwhile). */
const cliAsync = (args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    ),
  );

/** TCP connections libvirtd on `host` holds open (serve's `virsh event` stream is one while connected). */
function libvirtdClients(host: LibvirtdHost): number {
  const out = host.netns.exec('ss', '-Htn', 'state', 'established', '( sport = :16509 )');
  return out.split('\n').filter((l) => l.trim()).length;
}

/** Sample `libvirtdClients` until it has been `want` (0, or at least 1) for `steady` samples in a row. */
async function clientsSettle(host: LibvirtdHost, want: 'none' | 'some', ms = 30_000, steady = 5): Promise<number> {
  const deadline = Date.now() + ms;
  let run = 0;
  let n = libvirtdClients(host);
  while (Date.now() < deadline) {
    n = libvirtdClients(host);
    run = (want === 'none' ? n === 0 : n > 0) ? run + 1 : 0;
    if (run >= steady) return n;
    await new Promise((r) => setTimeout(r, 300));
  }
  return n;
}

function ipmi(port: number, user: string, password: string, ...cmd: string[]) {
  return run('ipmitool', [
    ...['-I', 'lanplus', '-C', '17', '-H', '127.0.0.1', '-p', String(port), '-U', user, '-P', password],
    ...['-R', '2', '-N', '2', ...cmd],
  ]);
}

libvirtPeers.describe('a registry record naming an unconfigured libvirt host', () =>
  peers.describe('vbmc import pointing at a second real libvirtd', () => {
    let hosts: RunningHosts | undefined;
    let server: RunningServer | undefined;
    let dir = '';
    let stateDir = '';
    let configFile = '';
    let port = 0;
    let first: { name: string; uuid: string };
    let second: { name: string; uuid: string };
    let third: { name: string; uuid: string };
    let p3 = 0;
    const log = logCapture('info');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bmcemu-reguri-'));
      stateDir = join(dir, 'state');
      hosts = await startLibvirtdHosts([{}, {}, {}]);
      first = hosts[0]!.defineDomain('reg-first');
      second = hosts[1]!.defineDomain('reg-second');
      third = hosts[2]!.defineDomain('reg-third');
      port = await freeUdpRange(1);
      const tree = join(dir, 'vbmc', second.name);
      mkdirSync(tree, { recursive: true });
      const tpl = readFileSync(new URL('../fixtures/vbmc/remote-host/config.tpl', import.meta.url), 'utf8');
      writeFileSync(
        join(tree, 'config'),
        tpl.replace('{{PORT}}', String(port)).replace('{{DOMAIN}}', second.name).replace('{{URI}}', hosts[1]!.tcpUri),
      );
      const imported = cli(['import', 'vbmc', join(dir, 'vbmc'), '--state-dir', stateDir]);
      expect(imported.status, imported.stderr).toBe(0);
      const ipmiBase = await freeUdpRange(2);
      const driver = {
        kind: 'libvirt',
        pollIntervalMs: 1000,
        hypervisors: [{ name: 'first', uri: hosts[0]!.tcpUri }],
      };
      configFile = join(dir, 'bmc-emu.json');
      // `bmc-emu nodes` reads the same state dir (and so the same registry) from the file
      writeFileSync(
        configFile,
        JSON.stringify({ stateDir, driver, ipmi: { basePort: ipmiBase }, redfish: { enabled: false } }),
      );
      server = await startServer(
        configSchema.parse({
          stateDir,
          log: { level: 'silent' },
          redfish: { enabled: false },
          ipmi: { basePort: ipmiBase },
          driver,
        }),
        log.logger,
      );
    }, LIBVIRTD_SETUP_MS); // may wait for the machine-wide libvirtd lock

    afterAll(async () => {
      await server?.stop();
      await hosts?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it("serve connects to the record's host as a hypervisor named from the URI's host", () => {
      const name = hosts![1]!.ip;
      expect(server!.lines[0]).toContain('serving 2 node(s)');
      expect(server!.lines[0]).toContain(`from the BMC registry: ${name} (${hosts![1]!.tcpUri})`);
    });

    it('ipmitool powers the node on that host with the port and account vbmc had', async () => {
      const st = hosts![1]!;
      const on = await ipmi(port, 'vbmcuser', 'vbmc-pw', 'chassis', 'power', 'on');
      expect(on.code, on.stderr).toBe(0);
      const deadline = Date.now() + 30_000;
      while (st.virsh('domstate', second.name).trim() !== 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(st.virsh('domstate', second.name).trim()).toBe('running');
      expect(hosts![0]!.virsh('domstate', first.name).trim()).toBe('shut off');
      const off = await ipmi(port, 'vbmcuser', 'vbmc-pw', 'chassis', 'power', 'off');
      expect(off.code, off.stderr).toBe(0);
      while (st.virsh('domstate', second.name).trim() !== 'shut off' && Date.now() < deadline + 30_000) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(st.virsh('domstate', second.name).trim()).toBe('shut off');
      expect((await ipmi(port, 'admin', 'password', 'chassis', 'power', 'status')).code).not.toBe(0);
    }, 120_000);

    it('`bmc add --libvirt-uri` of a third host on the running server connects to it live', async () => {
      p3 = await freeUdpRange(1);
      const add = await cliAsync([
        ...['bmc', 'add', third.name, '--port', String(p3), '--username', 'u3', '--password', 'p3-pw'],
        ...['--libvirt-uri', hosts![2]!.tcpUri, '--state-dir', stateDir],
      ]);
      expect(add.status, add.stderr).toBe(0);
      expect(add.stdout).toMatch(/applied to the running server/);
      const st = await ipmi(p3, 'u3', 'p3-pw', 'chassis', 'power', 'status');
      expect(st.stdout, st.stderr).toMatch(/Chassis Power is off/);
      const on = await ipmi(p3, 'u3', 'p3-pw', 'chassis', 'power', 'on');
      expect(on.code, on.stderr).toBe(0);
      const deadline = Date.now() + 30_000;
      while (hosts![2]!.virsh('domstate', third.name).trim() !== 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(hosts![2]!.virsh('domstate', third.name).trim()).toBe('running');
      expect((await ipmi(p3, 'u3', 'p3-pw', 'chassis', 'power', 'off')).code).toBe(0);
    }, 120_000);

    it('`bmc-emu nodes` lists the node with that hypervisor, and the hypervisor itself', () => {
      const name = hosts![1]!.ip;
      const out = cli(['nodes', '-c', configFile]);
      expect(out.status, out.stderr).toBe(0);
      const row = out.stdout.split('\n').find((l) => l.startsWith(second.name));
      expect(row, out.stdout).toBeDefined();
      expect(row!.trim().endsWith(name)).toBe(true);
      const hvRow = out.stdout.split('\n').find((l) => l.startsWith(`${name} `));
      expect(hvRow?.split(/\s+/), out.stdout).toEqual([name, hosts![1]!.tcpUri, 'up', '1', 'node']);
      expect(out.stdout).toMatch(/^first\s+\S+\s+up\s+1 node/m);
      expect(out.stderr).toContain('from the BMC registry');
      const json = cli(['nodes', '--json', '-c', configFile]);
      const nodes = JSON.parse(json.stdout) as { name: string; hypervisor?: string }[];
      expect(nodes.find((n) => n.name === second.name)?.hypervisor).toBe(name);
    }, 120_000);

    it('`bmc delete` of the last record naming the third host disconnects it and drops it from `bmc-emu nodes`', async () => {
      const host = hosts![2]!;
      expect(await clientsSettle(host, 'some')).toBeGreaterThan(0);
      const del = await cliAsync(['bmc', 'delete', third.name, '--state-dir', stateDir]);
      expect(del.status, del.stderr).toBe(0);
      expect(del.stdout).toMatch(/applied to the running server/);
      // serve's event stream and every other connection to that libvirtd are gone, and stay gone
      expect(await clientsSettle(host, 'none')).toBe(0);
      const removed = log.lines.find((l) => l.msg === 'hypervisor removed');
      expect(removed).toMatchObject({ hypervisor: host.ip, uri: host.tcpUri, nodes: 1 });
      expect((await ipmi(p3, 'u3', 'p3-pw', 'chassis', 'power', 'status')).code).not.toBe(0);
      const out = cli(['nodes', '-c', configFile]);
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).not.toContain(third.name);
      expect(out.stdout).not.toContain(host.tcpUri);
      expect(out.stdout).toMatch(/^first\s+\S+\s+up\s+1 node/m);
      // the host the vbmc record still names stays connected
      expect(await clientsSettle(hosts![1]!, 'some')).toBeGreaterThan(0);
    }, 120_000);

    it('a configured hypervisor stays connected when the last record naming its URI is deleted', async () => {
      const p1 = await freeUdpRange(1);
      const add = await cliAsync([
        ...['bmc', 'add', first.name, '--port', String(p1), '--username', 'u1', '--password', 'p1-pw'],
        ...['--libvirt-uri', hosts![0]!.tcpUri, '--state-dir', stateDir],
      ]);
      expect(add.status, add.stderr).toBe(0);
      const st = await ipmi(p1, 'u1', 'p1-pw', 'chassis', 'power', 'status');
      expect(st.stdout, st.stderr).toMatch(/Chassis Power is off/);
      const del = await cliAsync(['bmc', 'delete', first.name, '--state-dir', stateDir]);
      expect(del.status, del.stderr).toBe(0);
      expect(await clientsSettle(hosts![0]!, 'some')).toBeGreaterThan(0);
      expect(log.lines.filter((l) => l.msg === 'hypervisor removed').map((l) => l.hypervisor)).toEqual([hosts![2]!.ip]);
    }, 120_000);
  }),
);
