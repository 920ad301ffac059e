/**
 * One `bmc-emu serve` serving two directly attached bridges (dhcp.interfaces): each side's udhcpc gets its own
 * subnet, router, DNS and options, the replies leave by the bridge the request came in on, and each interface
 * keeps its own lease file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { DHCP_ONLY, type ServeInNs, serveInNs } from './support/dhcp-serve.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp on two interfaces', [root(), command('udhcpc')]);

gate.describe('one bmc-emu serve, dhcp.interfaces br0 and br1', () => {
  let server: NetNs;
  let side0: NetNs;
  let side1: NetNs;
  let served: ServeInNs;
  let dir: string;

  beforeAll(async () => {
    server = new NetNs('dis');
    side0 = new NetNs('di0');
    side1 = new NetNs('di1');
    server.addBridge('br0', '172.30.0.1/24');
    server.addBridge('br1', '172.31.0.1/24');
    served = await serveInNs(server, {
      prefix: 'bmcemu-dhcp-ifs-',
      config: `${DHCP_ONLY}http: { port: 8081 }
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
      udhcpcScript: `#!/bin/sh
[ "$1" = bound ] && echo "bound ip=$ip mask=$mask router=$router dns=$dns domain=$domain serverid=$serverid ntp=$ntpsrv mtu=$mtu routes=$staticroutes hostname=$hostname" >> "$LOG"
exit 0
`,
      ready: [/dhcp server \S+ on br1/],
    });
    dir = served.dir;
  });

  afterAll(async () => {
    side0?.destroy();
    side1?.destroy();
    server?.destroy();
    await served?.cleanup();
  });

  let port = 0;
  function plug(ns: NetNs, bridge: string, mac: string): string {
    const ifc = `q${port}`;
    server.addVeth(`pq${port++}`, ifc, ns, bridge);
    ns.exec('ip', 'link', 'set', ifc, 'address', mac);
    return ifc;
  }

  it('prints one socket per interface, each with its own server address', () => {
    expect(served.output()).toMatch(/dhcp server 0\.0\.0\.0:67 on br0 \(server 172\.30\.0\.1\)/);
    expect(served.output()).toMatch(/dhcp server 0\.0\.0\.0:67 on br1 \(server 172\.31\.0\.1\)/);
  });

  it('udhcpc on each bridge gets that bridge subnet, router, DNS, domain and options', async () => {
    const log0 = join(dir, 'side0.log');
    const log1 = join(dir, 'side1.log');
    const ask = ['-O', '121', '-O', '42', '-O', '26'];
    udhcpcOnce(side0.name, plug(side0, 'br0', '52:54:00:00:81:01'), served.script, log0, ask);
    udhcpcOnce(side1.name, plug(side1, 'br1', '52:54:00:00:81:02'), served.script, log1, ask);
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
    udhcpcOnce(side1.name, plug(side1, 'br1', '52:54:00:00:81:03'), served.script, log);
    expect(await readFile(log, 'utf8')).toMatch(/^bound ip=172\.31\.0\.1\d\d .*serverid=172\.31\.0\.1 /m);
    const l0 = await readFile(join(dir, 'state/dhcp-leases-br0.txt'), 'utf8');
    const l1 = await readFile(join(dir, 'state/dhcp-leases-br1.txt'), 'utf8');
    expect(l0).toMatch(/^bound 52:54:00:00:81:01 172\.30\.0\.1\d\d /m);
    expect(l1).toMatch(/^bound 52:54:00:00:81:02 172\.31\.0\.9 /m);
    expect(l1).toMatch(/^bound 52:54:00:00:81:03 172\.31\.0\.1\d\d /m);
    expect(l0).not.toMatch(/52:54:00:00:81:0[23]/);
    // no reply went out of the wrong bridge (the ENETUNREACH of a single unbound socket)
    expect(served.output()).not.toMatch(/send failed|ENETUNREACH/);
    const acks = served
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"msg":"ACK'))
      .map((l) => JSON.parse(l) as { interface?: string; subnet?: string });
    expect(acks.filter((a) => a.interface === 'br1').map((a) => a.subnet)).toEqual(['172.31.0.0/24', '172.31.0.0/24']);
    expect(acks.filter((a) => a.interface === 'br0').map((a) => a.subnet)).toEqual(['172.30.0.0/24']);
  });
});
