/**
 * Real DHCP clients (busybox udhcpc, ISC dhclient, nmap's broadcast-dhcp-discover) against DhcpServer in
 * test-made namespaces; then kill -9 and restart must keep every lease.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseLeaseFile } from '../packages/dhcp/src/index.js';
import { type ServerProcess, startDhcp, topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { waitFile } from './support/dhclient.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp clients', [
  root(),
  command('udhcpc'),
  command('dhclient', 'isc-dhcp-client'),
  command('nmap'),
]);

const RESERVED_MAC = '52:54:00:aa:bb:99';

gate.describe('DHCP server with udhcpc, dhclient and nmap in network namespaces', () => {
  let net: ReturnType<typeof topology>;
  let srv: ServerProcess;
  let dir: string;
  let leaseFile: string;
  const serverOpts = () => ({
    mode: 'server',
    interface: 'br0',
    subnet: '172.30.0.0/24',
    rangeStart: '172.30.0.100',
    rangeEnd: '172.30.0.199',
    router: '172.30.0.1',
    dns: ['172.30.0.1'],
    domain: 'lab.test',
    leaseTimeSec: 8,
    leaseFile,
    reservations: [{ mac: RESERVED_MAC, ip: '172.30.0.50', hostname: 'master-0' }],
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-'));
    leaseFile = join(dir, 'leases.txt');
    await writeFile(
      join(dir, 'udhcpc.sh'),
      `#!/bin/sh
echo "$1 ip=$ip mask=$mask hostname=$hostname router=$router dns=$dns domain=$domain serverid=$serverid lease=$lease" >> "$LOG"
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
`,
    );
    // dhclient gives its script a clean environment: the log path is written into the script
    await writeFile(
      join(dir, 'dhclient.sh'),
      `#!/bin/sh
echo "$reason ip=$new_ip_address host=$new_host_name lease=$new_dhcp_lease_time" >> "${join(dir, 'dhclient.log')}"
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT) ip addr add "$new_ip_address/24" dev "$interface" 2>/dev/null ;;
esac
exit 0
`,
    );
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    await chmod(join(dir, 'dhclient.sh'), 0o755);
    net = topology();
    srv = await startDhcp(net.server, serverOpts());
  });

  afterAll(async () => {
    await srv?.stop();
    net?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('udhcpc obtains a lease, renews it (SIGUSR1, unicast) and releases it (SIGUSR2)', async () => {
    const ifc = net.addClientPort('u0', '52:54:00:00:10:01');
    const log = join(dir, 'udhcpc-u0.log');
    const proc: ChildProcess = net.client.spawn(
      'udhcpc',
      ['-i', ifc, '-f', '-t', '5', '-T', '1', '-s', join(dir, 'udhcpc.sh')],
      {
        env: { ...process.env, LOG: log },
      },
    );
    try {
      const bound = await waitFile(log, /^bound /m);
      expect(bound).toMatch(
        /bound ip=172\.30\.0\.1\d\d mask=24 hostname= router=172\.30\.0\.1 dns=172\.30\.0\.1 domain=lab\.test serverid=172\.30\.0\.1 lease=8/,
      );
      const ipAddr = /bound ip=(\S+)/.exec(bound)![1]!;
      proc.kill('SIGUSR1');
      await waitFile(log, /^renew ip=/m);
      // a renewal is a REQUEST with ciaddr set, answered by unicast
      expect(
        srv
          .logs()
          .some(
            (l) =>
              l.type === 'REQUEST' && l.mac === '52:54:00:00:10:01' && String(l.msg) === `ACK ${ipAddr} no boot file`,
          ),
      ).toBe(true);
      proc.kill('SIGUSR2');
      await srv.waitForLog(new RegExp(`^RELEASE ${ipAddr.replace(/\./g, '\\.')}$`));
      const leases = parseLeaseFile(await waitFile(leaseFile, /released 52:54:00:00:10:01/));
      expect(leases.find((l) => l.mac === '52:54:00:00:10:01')).toMatchObject({ state: 'released', ip: ipAddr });
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('the reserved MAC gets its fixed address and hostname (udhcpc)', async () => {
    const ifc = net.addClientPort('u1', RESERVED_MAC);
    const log = join(dir, 'udhcpc-u1.log');
    udhcpcOnce(net.client.name, ifc, join(dir, 'udhcpc.sh'), log);
    expect(await readFile(log, 'utf8')).toMatch(/^bound ip=172\.30\.0\.50 mask=24 hostname=master-0 /m);
  });

  it('dhclient obtains a lease, renews it at T1 and releases it (-r)', async () => {
    const ifc = net.addClientPort('d0', '52:54:00:00:20:01');
    const log = join(dir, 'dhclient.log');
    const args = [
      '-sf',
      join(dir, 'dhclient.sh'),
      '-lf',
      join(dir, 'dhclient.leases'),
      '-pf',
      join(dir, 'dhclient.pid'),
    ];
    const proc = net.client.spawn('dhclient', ['-d', '-1', '-v', ...args, ifc], { env: { ...process.env, LOG: log } });
    try {
      const body = await waitFile(log, /^BOUND ip=172\.30\.0\.1\d\d/m);
      const ipAddr = /BOUND ip=(\S+)/.exec(body)![1]!;
      expect(body).toMatch(/lease=8/);
      // T1 = 4 s: dhclient renews by itself
      await waitFile(log, /^RENEW ip=/m, 20_000);
      execFileSync('ip', ['netns', 'exec', net.client.name, 'dhclient', '-r', ...args, ifc], {
        env: { ...process.env, LOG: log },
        timeout: 20_000,
        stdio: 'ignore',
      });
      await srv.waitForLog(new RegExp(`^RELEASE ${ipAddr.replace(/\./g, '\\.')}$`));
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('nmap broadcast-dhcp-discover sees our offer with the expected options', () => {
    const ifc = net.addClientPort('n0', '52:54:00:00:30:01');
    // nmap looks the interface up by its address; a link-local one outside our subnet will do
    net.client.exec('ip', 'addr', 'add', '169.254.10.1/16', 'dev', ifc);
    const out = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        net.client.name,
        'nmap',
        '-e',
        ifc,
        '--script',
        'broadcast-dhcp-discover',
        '--script-args',
        'broadcast-dhcp-discover.timeout=5',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(out).toMatch(/IP Offered: 172\.30\.0\.1\d\d/);
    expect(out).toMatch(/DHCP Message Type: DHCPOFFER/);
    expect(out).toMatch(/Server Identifier: 172\.30\.0\.1/);
    expect(out).toMatch(/Subnet Mask: 255\.255\.255\.0/);
    expect(out).toMatch(/Router: 172\.30\.0\.1/);
    expect(out).toMatch(/Domain Name: lab\.test/);
    expect(out).toMatch(/IP Address Lease Time: 8s/);
  });

  it('kill -9 and restart keep every lease: clients get their address back, others cannot take it', async () => {
    // bind a few more clients, then kill -9 right after their ACKs
    const bound = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      const mac = `52:54:00:00:40:0${i}`;
      const ifc = net.addClientPort(`k${i}`, mac);
      const log = join(dir, `k${i}.log`);
      udhcpcOnce(net.client.name, ifc, join(dir, 'udhcpc.sh'), log);
      bound.set(mac, /bound ip=(\S+)/.exec(await readFile(log, 'utf8'))![1]!);
    }
    await srv.stop('SIGKILL');
    const onDisk = parseLeaseFile(await readFile(leaseFile, 'utf8'));
    for (const [mac, addr] of bound)
      expect(onDisk.find((l) => l.mac === mac)).toMatchObject({ state: 'bound', ip: addr });
    srv = await startDhcp(net.server, { ...serverOpts(), leaseTimeSec: 3600 });
    expect((srv.logs().find((l) => l.msg === 'dhcp started') as { leases: number }).leases).toBeGreaterThanOrEqual(
      bound.size,
    );
    // a fresh DISCOVER from a known client gets the same address back
    const [mac0, ip0] = [...bound][0]!;
    const log = join(dir, 'k0-again.log');
    udhcpcOnce(net.client.name, 'k0', join(dir, 'udhcpc.sh'), log);
    expect(await readFile(log, 'utf8')).toContain(`bound ip=${ip0} `);
    // another client asking for that address (udhcpc -r) is given a different one
    const other = net.addClientPort('k9', '52:54:00:00:40:99');
    const log2 = join(dir, 'k9.log');
    udhcpcOnce(net.client.name, other, join(dir, 'udhcpc.sh'), log2, ['-r', ip0]);
    const got = /bound ip=(\S+)/.exec(await readFile(log2, 'utf8'))![1];
    expect(got).not.toBe(ip0);
    expect(mac0).toBe('52:54:00:00:40:00');
    // a clean restart (SIGTERM) keeps them too
    await srv.stop('SIGTERM');
    srv = await startDhcp(net.server, serverOpts());
    const again = parseLeaseFile(await readFile(leaseFile, 'utf8'));
    for (const [mac, addr] of bound) expect(again.find((l) => l.mac === mac)?.ip).toBe(addr);
  });
});
