/**
 * One `bmc-emu serve` serving two directly attached bridges (dhcp.interfaces): each side's udhcpc gets its own
 * subnet, router, DNS and options, the replies leave by the bridge the request came in on, and each interface
 * keeps its own lease file.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, sleep, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp on two interfaces', [root(), command('udhcpc')]);

gate.describe('one bmc-emu serve, dhcp.interfaces br0 and br1', () => {
  let server: NetNs;
  let side0: NetNs;
  let side1: NetNs;
  let dir: string;
  let out = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-ifs-'));
    await writeFile(
      join(dir, 'config.yaml'),
      `stateDir: ${dir}/state
driver: { kind: memory, demoNodes: 0 }
redfish: { enabled: false }
ipmi: { enabled: false }
http: { port: 8081 }
dhcp:
  enabled: true
  leaseTimeSec: 600
  options: { ntp-server: 10.0.0.123, mtu: 1500 }
  reservations:
    - { mac: "52:54:00:00:81:02", ip: 172.31.0.9, hostname: far-0 }
  interfaces:
    - name: br0
      subnet: 172.30.0.0/24
      rangeStart: 172.30.0.100
      rangeEnd: 172.30.0.120
      router: 172.30.0.1
      dns: [172.30.0.1]
      domain: zero.test
      options: { 121: "10.90.0.0/16,172.30.0.254" }
    - name: br1
      subnet: 172.31.0.0/24
      rangeStart: 172.31.0.100
      rangeEnd: 172.31.0.120
      router: 172.31.0.1
      dns: [172.31.0.1]
      domain: one.test
      options: { 121: "10.91.0.0/16,172.31.0.254", mtu: 1400 }
`,
    );
    await writeFile(
      join(dir, 'udhcpc.sh'),
      `#!/bin/sh
[ "$1" = bound ] && echo "bound ip=$ip mask=$mask router=$router dns=$dns domain=$domain serverid=$serverid ntp=$ntpsrv mtu=$mtu routes=$staticroutes hostname=$hostname" >> "$LOG"
exit 0
`,
    );
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    try {
      // the CLI runs from dist; `npm test` builds first, this keeps a lone run honest
      execFileSync('npx', ['tsc', '-b'], { cwd: REPO, stdio: 'ignore', timeout: 180_000 });
    } catch {
      // another package failing to build is not this test's business; a stale CLI will show below
    }
    server = new NetNs('dis');
    side0 = new NetNs('di0');
    side1 = new NetNs('di1');
    server.addBridge('br0', '172.30.0.1/24');
    server.addBridge('br1', '172.31.0.1/24');
    const proc = server.spawn(
      process.execPath,
      [join(REPO, 'bin/bmc-emu.js'), 'serve', '-c', join(dir, 'config.yaml')],
      {
        cwd: REPO,
      },
    );
    proc.stdout?.on('data', (d) => {
      out += d;
    });
    proc.stderr?.on('data', (d) => {
      out += d;
    });
    const until = Date.now() + 20_000;
    while (!/dhcp server \S+ on br1/.test(out)) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`bmc-emu serve did not start DHCP:\n${out}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    side0?.destroy();
    side1?.destroy();
    server?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  let port = 0;
  function plug(ns: NetNs, bridge: string, mac: string): string {
    const ifc = `q${port}`;
    server.addVeth(`pq${port++}`, ifc, ns, bridge);
    ns.exec('ip', 'link', 'set', ifc, 'address', mac);
    return ifc;
  }

  it('prints one socket per interface, each with its own server address', () => {
    expect(out).toMatch(/dhcp server 0\.0\.0\.0:67 on br0 \(server 172\.30\.0\.1\)/);
    expect(out).toMatch(/dhcp server 0\.0\.0\.0:67 on br1 \(server 172\.31\.0\.1\)/);
  });

  it('udhcpc on each bridge gets that bridge subnet, router, DNS, domain and options', async () => {
    const log0 = join(dir, 'side0.log');
    const log1 = join(dir, 'side1.log');
    udhcpcOnce(side0.name, plug(side0, 'br0', '52:54:00:00:81:01'), join(dir, 'udhcpc.sh'), log0, [
      '-O',
      '121',
      '-O',
      '42',
      '-O',
      '26',
    ]);
    udhcpcOnce(side1.name, plug(side1, 'br1', '52:54:00:00:81:02'), join(dir, 'udhcpc.sh'), log1, [
      '-O',
      '121',
      '-O',
      '42',
      '-O',
      '26',
    ]);
    expect(await readFile(log0, 'utf8')).toMatch(
      /^bound ip=172\.30\.0\.1\d\d mask=24 router=172\.30\.0\.1 dns=172\.30\.0\.1 domain=zero\.test serverid=172\.30\.0\.1 ntp=10\.0\.0\.123 mtu=1500 routes=10\.90\.0\.0\/16 172\.30\.0\.254 hostname=$/m,
    );
    // br1's client: br1's subnet and options, the section's reservation placed on br1 by its address
    expect(await readFile(log1, 'utf8')).toMatch(
      /^bound ip=172\.31\.0\.9 mask=24 router=172\.31\.0\.1 dns=172\.31\.0\.1 domain=one\.test serverid=172\.31\.0\.1 ntp=10\.0\.0\.123 mtu=1400 routes=10\.91\.0\.0\/16 172\.31\.0\.254 hostname=far-0$/m,
    );
  });

  it('a client on br1 whose MAC is unknown gets a br1 range address; each interface has its own lease file', async () => {
    const log = join(dir, 'side1b.log');
    udhcpcOnce(side1.name, plug(side1, 'br1', '52:54:00:00:81:03'), join(dir, 'udhcpc.sh'), log);
    expect(await readFile(log, 'utf8')).toMatch(/^bound ip=172\.31\.0\.1\d\d .*serverid=172\.31\.0\.1 /m);
    const l0 = await readFile(join(dir, 'state/dhcp-leases-br0.txt'), 'utf8');
    const l1 = await readFile(join(dir, 'state/dhcp-leases-br1.txt'), 'utf8');
    expect(l0).toMatch(/^bound 52:54:00:00:81:01 172\.30\.0\.1\d\d /m);
    expect(l1).toMatch(/^bound 52:54:00:00:81:02 172\.31\.0\.9 /m);
    expect(l1).toMatch(/^bound 52:54:00:00:81:03 172\.31\.0\.1\d\d /m);
    expect(l0).not.toMatch(/52:54:00:00:81:0[23]/);
    // no reply went out of the wrong bridge (the ENETUNREACH of a single unbound socket)
    expect(out).not.toMatch(/send failed|ENETUNREACH/);
    const acks = out
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"msg":"ACK'))
      .map((l) => JSON.parse(l) as { interface?: string; subnet?: string });
    expect(acks.filter((a) => a.interface === 'br1').map((a) => a.subnet)).toEqual(['172.31.0.0/24', '172.31.0.0/24']);
    expect(acks.filter((a) => a.interface === 'br0').map((a) => a.subnet)).toEqual(['172.30.0.0/24']);
  });
});
