/**
 * Several subnets per instance through a real relay: ISC dhcrelay (Debian isc-dhcp-relay) in a middle
 * namespace routes between client subnet B (172.31.0.0/24) and the server's bridge on subnet A
 * (172.30.0.0/24). A udhcpc client on B gets B's range, router and DNS via the relay (with option 82 added
 * by dhcrelay -a and echoed by us), renews by unicast straight to the server (selected by ciaddr), while a
 * direct udhcpc client on A still gets A's range.
 */
import { type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ServerProcess, sleep, startDhcp, topology } from '../packages/dhcp/test/netns-harness.js';
import { Capture } from '../packages/dhcp/test/tshark.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp relay', [
  root(),
  command('udhcpc'),
  command('dhclient', 'isc-dhcp-client'),
  command('dhcrelay', 'isc-dhcp-relay'),
  command('tshark'),
]);

const MAC_B = '52:54:00:00:31:01';
const MAC_A = '52:54:00:00:30:01';
const RESERVED_B = '52:54:00:00:31:99';

gate.describe('DHCP through ISC dhcrelay: subnet B via the relay, subnet A direct', () => {
  let net: ReturnType<typeof topology>;
  let relayNs: NetNs;
  let clientB: NetNs;
  let relay: ChildProcess;
  let relayOut = '';
  let srv: ServerProcess;
  let dir: string;
  let capture: Capture;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-relay-'));
    // the client script configures the address and the default route via the router it was given
    await writeFile(
      join(dir, 'udhcpc.sh'),
      `#!/bin/sh
echo "$1 ip=$ip mask=$mask router=$router dns=$dns domain=$domain serverid=$serverid lease=$lease" >> "$LOG"
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "$router" dev "$interface" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
`,
    );
    // dhclient gives its script a clean environment: the log path is written into the script
    await writeFile(
      join(dir, 'dhclient.sh'),
      `#!/bin/sh
echo "$reason ip=$new_ip_address host=$new_host_name routers=$new_routers lease=$new_dhcp_lease_time" >> "${join(dir, 'dhclient.log')}"
exit 0
`,
    );
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    await chmod(join(dir, 'dhclient.sh'), 0o755);
    net = topology('br0', '172.30.0.1/24');
    relayNs = new NetNs('dhr');
    clientB = new NetNs('dhb');
    // relay's upstream leg on bridge A, downstream leg on subnet B
    net.server.addVeth('rly-a', 'up0', relayNs, 'br0');
    relayNs.addVeth('down0', 'b0', clientB);
    relayNs.exec('ip', 'addr', 'add', '172.30.0.254/24', 'dev', 'up0');
    relayNs.exec('ip', 'addr', 'add', '172.31.0.1/24', 'dev', 'down0');
    relayNs.exec('sysctl', '-qw', 'net.ipv4.ip_forward=1');
    net.server.exec('ip', 'route', 'add', '172.31.0.0/24', 'via', '172.30.0.254');
    // what crosses the relay <-> server link, decoded by tshark's own DHCP dissector
    capture = new Capture(net.server, 'rly-a', join(dir, 'relay-link.pcap'));
    await capture.start();
    srv = await startDhcp(net.server, {
      mode: 'server',
      interface: 'br0',
      subnet: '172.30.0.0/24',
      rangeStart: '172.30.0.100',
      rangeEnd: '172.30.0.199',
      router: '172.30.0.1',
      dns: ['172.30.0.1'],
      domain: 'a.test',
      leaseTimeSec: 600,
      subnets: [
        {
          subnet: '172.31.0.0/24',
          rangeStart: '172.31.0.100',
          rangeEnd: '172.31.0.149',
          router: '172.31.0.1',
          dns: ['172.31.0.53'],
          domain: 'b.test',
          leaseTimeSec: 300,
          reservations: [{ mac: RESERVED_B, ip: '172.31.0.20', hostname: 'far-0' }],
        },
      ],
    });
    // -a: add option 82 (circuit id = downstream interface); dhcrelay then needs it echoed to find the client
    relay = relayNs.spawn('dhcrelay', [
      '-d',
      '-4',
      '-a',
      '-pf',
      join(dir, 'dhcrelay.pid'),
      '-id',
      'down0',
      '-iu',
      'up0',
      '172.30.0.1',
    ]);
    relay.stdout?.on('data', (d) => (relayOut += d));
    relay.stderr?.on('data', (d) => (relayOut += d));
    const until = Date.now() + 10_000;
    while (!/Sending on\s+Socket/.test(relayOut)) {
      if (relay.exitCode !== null || Date.now() > until) throw new Error(`dhcrelay did not start:\n${relayOut}`);
      await sleep(50);
    }
  });

  afterAll(async () => {
    await capture?.stop();
    relay?.kill('SIGTERM');
    await srv?.stop();
    clientB?.destroy();
    relayNs?.destroy();
    net?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function waitFile(path: string, re: RegExp, ms = 20_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const body = await readFile(path, 'utf8').catch(() => '');
      if (re.test(body)) return body;
      if (Date.now() > until) throw new Error(`${path} never matched ${re}:\n${body}\n--- dhcrelay:\n${relayOut}`);
      await sleep(100);
    }
  }

  it('a client on subnet B gets a B address through dhcrelay, and renews by unicast to the server', async () => {
    clientB.exec('ip', 'link', 'set', 'b0', 'address', MAC_B);
    const log = join(dir, 'udhcpc-b.log');
    const proc = clientB.spawn('udhcpc', ['-i', 'b0', '-f', '-t', '5', '-T', '2', '-s', join(dir, 'udhcpc.sh')], {
      env: { ...process.env, LOG: log },
    });
    try {
      const bound = await waitFile(log, /^bound /m);
      expect(bound).toMatch(
        /bound ip=172\.31\.0\.1[0-4]\d mask=24 router=172\.31\.0\.1 dns=172\.31\.0\.53 domain=b\.test serverid=172\.30\.0\.1 lease=300/,
      );
      const addr = /bound ip=(\S+)/.exec(bound)![1]!;
      const relayed = srv.logs().filter((l) => l.mac === MAC_B && l.type === 'DISCOVER');
      expect(relayed[0]).toMatchObject({
        relay: '172.31.0.1',
        subnet: '172.31.0.0/24',
        msg: `OFFER ${addr} no boot file`,
      });
      expect(srv.logs().some((l) => l.mac === MAC_B && l.type === 'REQUEST' && l.relay === '172.31.0.1')).toBe(true);
      // dhcrelay -a only forwards a reply to the client when its option 82 came back (it drops it otherwise)
      expect(relayOut).toMatch(/Adding \d+-byte relay agent option/);
      expect(relayOut).toMatch(/Forwarded BOOTREPLY for 52:54:00:00:31:01/);

      // renewal: unicast from 172.31.0.x to 172.30.0.1 through the relay namespace's routing, no giaddr
      proc.kill('SIGUSR1');
      await waitFile(log, /^renew ip=/m);
      // ISC dhcrelay captures every DHCP packet on its downstream link, so it relays the renewal too (with
      // giaddr); the kernel forwards the original. The direct copy (no giaddr) must be served from B by ciaddr.
      const direct = srv.logs().filter((l) => l.mac === MAC_B && l.type === 'REQUEST' && l.relay === undefined);
      expect(direct[0]).toMatchObject({ subnet: '172.31.0.0/24', msg: `ACK ${addr} no boot file` });

      // on the wire: requests carry giaddr + option 82 (circuit id "down0"); our OFFER/ACK go to the relay at
      // 172.31.0.1:67 with the same option 82 as the last option (RFC 3046 2.2)
      await capture.stop();
      const fields = [
        'dhcp.option.dhcp',
        'dhcp.ip.relay',
        'dhcp.ip.your',
        'dhcp.option.agent_information_option.agent_circuit_id',
        'dhcp.option.type',
        'ip.dst',
        'udp.dstport',
      ];
      const replies = capture.read('dhcp.option.dhcp == 2 || dhcp.option.dhcp == 5', fields);
      const requests = capture.read('dhcp.option.dhcp == 1 || dhcp.option.dhcp == 3', fields);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      const circuit = requests.find((r) => r['dhcp.ip.relay'] === '172.31.0.1')![
        'dhcp.option.agent_information_option.agent_circuit_id'
      ];
      expect(circuit).toBeTruthy(); // hex of "down0" as the dissector prints it
      const relayedReplies = replies.filter((r) => r['dhcp.ip.relay'] === '172.31.0.1');
      expect(relayedReplies.map((r) => r['dhcp.option.dhcp']).slice(0, 2)).toEqual(['2', '5']);
      for (const r of relayedReplies) {
        expect(r).toMatchObject({ 'ip.dst': '172.31.0.1', 'udp.dstport': '67', 'dhcp.ip.your': addr });
        expect(r['dhcp.option.agent_information_option.agent_circuit_id']).toBe(circuit);
        expect(
          r['dhcp.option.type']!.split(',')
            .filter((t) => t !== '255' && t !== '0')
            .at(-1),
        ).toBe('82'); // pad and end aside
      }
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('a direct client on subnet A still gets an A address', async () => {
    const ifc = net.addClientPort('a0', MAC_A);
    const log = join(dir, 'udhcpc-a.log');
    const proc = net.client.spawn('udhcpc', ['-i', ifc, '-f', '-t', '5', '-T', '2', '-s', join(dir, 'udhcpc.sh')], {
      env: { ...process.env, LOG: log },
    });
    try {
      const bound = await waitFile(log, /^bound /m);
      expect(bound).toMatch(
        /bound ip=172\.30\.0\.1\d\d mask=24 router=172\.30\.0\.1 dns=172\.30\.0\.1 domain=a\.test serverid=172\.30\.0\.1 lease=600/,
      );
      const offer = srv.logs().find((l) => l.mac === MAC_A && l.type === 'DISCOVER');
      expect(offer).toMatchObject({ subnet: '172.30.0.0/24' });
      expect(offer?.relay).toBeUndefined();
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('dhclient with a MAC reserved on subnet B gets its fixed B address and hostname through the relay', async () => {
    clientB.exec('ip', 'addr', 'flush', 'dev', 'b0');
    clientB.exec('ip', 'link', 'set', 'b0', 'address', RESERVED_B);
    const log = join(dir, 'dhclient.log');
    const args = ['-sf', join(dir, 'dhclient.sh'), '-lf', join(dir, 'dhclient.leases'), '-pf', join(dir, 'dhc.pid')];
    const proc = clientB.spawn('dhclient', ['-d', '-1', '-v', ...args, 'b0']);
    try {
      const body = await waitFile(log, /^BOUND /m);
      expect(body).toMatch(/^BOUND ip=172\.31\.0\.20 host=far-0 routers=172\.31\.0\.1 lease=300$/m);
      expect(srv.logs().find((l) => l.mac === RESERVED_B && l.type === 'DISCOVER')).toMatchObject({
        relay: '172.31.0.1',
        subnet: '172.31.0.0/24',
        msg: 'OFFER 172.31.0.20 no boot file',
      });
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
