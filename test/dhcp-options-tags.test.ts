/**
 * Free-form options, tags, client-id reservations and the authoritative switch, seen by real clients (busybox
 * udhcpc, ISC dhclient) in test-made namespaces: option 121 must end up as a route in the client's namespace.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type ServerProcess, sleep, startDhcp, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { type Dhclient, startDhclient, waitFile } from './support/dhclient.js';
import { NetNs } from './support/netns.js';
import { command, fileExists, requirePeers, root } from './support/peers.js';

const RFC3442_HOOK = '/etc/dhcp/dhclient-exit-hooks.d/rfc3442-classless-routes';

const gate = requirePeers('dhcp options and tags', [
  root(),
  command('udhcpc'),
  command('dhclient', 'isc-dhcp-client'),
  fileExists(RFC3442_HOOK, 'isc-dhcp-client'),
]);

const CLIENT_ID = 'ff:00:00:00:01:02:03:04';

gate.describe('free-form options, tags, client-id reservations, authoritative, with udhcpc and dhclient', () => {
  let server: NetNs;
  let dir: string;
  let srv: ServerProcess | undefined;
  const clients: NetNs[] = [];
  let n = 0;

  const serverOpts = (extra: Record<string, unknown> = {}) => ({
    mode: 'server',
    interface: 'br0',
    subnet: '172.30.0.0/24',
    rangeStart: '172.30.0.100',
    rangeEnd: '172.30.0.150',
    router: '172.30.0.1',
    leaseTimeSec: 600,
    leaseFile: join(dir, `leases-${n}.txt`),
    options: { 121: '10.99.0.0/16,172.30.0.254,192.168.77.0/24,172.30.0.253' },
    match: [{ set: 'lab', option: 77, value: 'lab-node' }],
    tags: { lab: { bootFile: 'lab-tagged.efi', options: { 'root-path': '/srv/lab' } } },
    reservations: [
      { clientId: CLIENT_ID, ip: '172.30.0.60', hostname: 'by-client-id' },
      { hostname: 'named-host', ip: '172.30.0.61' },
    ],
    ...extra,
  });

  /** A fresh client namespace with one port on br0. */
  function client(mac: string): { ns: NetNs; ifc: string } {
    const ns = new NetNs('dho');
    clients.push(ns);
    const ifc = `o${n}`;
    server.addVeth(`po${n++}`, ifc, ns, 'br0');
    ns.exec('ip', 'link', 'set', ifc, 'address', mac);
    return { ns, ifc };
  }

  /** dhclient with the Debian RFC 3442 hook applying option 121; the config requests it as Debian's does. */
  function dhclient(ns: NetNs, ifc: string, conf: string, leases = ''): Promise<Dhclient> {
    return startDhclient(ns, ifc, {
      dir,
      name: `${ifc}-${n}`,
      conf: `option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name-servers, rfc3442-classless-static-routes;
${conf}
`,
      logFields: 'ip=$new_ip_address routes=$new_rfc3442_classless_static_routes',
      onBound: `ip addr add "$new_ip_address/24" dev "$interface" 2>/dev/null
    . ${RFC3442_HOOK}`,
      leases,
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-opts-'));
    await writeFile(
      join(dir, 'udhcpc.sh'),
      `#!/bin/sh
echo "$1 ip=$ip routes=$staticroutes boot_file=$boot_file bootfile=$bootfile rootpath=$rootpath hostname=$hostname" >> "$LOG"
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"
    set -- $staticroutes
    while [ $# -ge 2 ]; do ip route add "$1" via "$2" dev "$interface"; shift 2; done ;;
esac
exit 0
`,
    );
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    server = new NetNs('dhs');
    server.addBridge('br0', '172.30.0.1/24');
  });

  afterEach(async () => {
    await srv?.stop();
    srv = undefined;
  });

  afterAll(async () => {
    await srv?.stop();
    for (const c of clients) c.destroy();
    server?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const routesOf = (ns: NetNs) => ns.exec('ip', '-4', 'route', 'show');

  it('option 121 from `options` becomes routes in the client namespace: udhcpc and dhclient', async () => {
    srv = await startDhcp(server, serverOpts());
    const u = client('52:54:00:00:90:01');
    const log = join(dir, 'u-121.log');
    udhcpcOnce(u.ns.name, u.ifc, join(dir, 'udhcpc.sh'), log, ['-O', '121']);
    expect(await readFile(log, 'utf8')).toMatch(
      /^bound ip=172\.30\.0\.1\d\d routes=10\.99\.0\.0\/16 172\.30\.0\.254 192\.168\.77\.0\/24 172\.30\.0\.253 /m,
    );
    expect(routesOf(u.ns)).toMatch(new RegExp(`^10\\.99\\.0\\.0/16 via 172\\.30\\.0\\.254 dev ${u.ifc}`, 'm'));
    expect(routesOf(u.ns)).toMatch(new RegExp(`^192\\.168\\.77\\.0/24 via 172\\.30\\.0\\.253 dev ${u.ifc}`, 'm'));

    const d = client('52:54:00:00:90:02');
    const { proc, log: dlog } = await dhclient(d.ns, d.ifc, '');
    try {
      expect(
        await waitFile(dlog, /^BOUND ip=172\.30\.0\.1\d\d routes=16 10 99 172 30 0 254 24 192 168 77 172 30 0 253$/m),
      );
      const until = Date.now() + 5000;
      while (!/10\.99\.0\.0\/16/.test(routesOf(d.ns)) && Date.now() < until) await sleep(100);
      expect(routesOf(d.ns)).toMatch(new RegExp(`^10\\.99\\.0\\.0/16 via 172\\.30\\.0\\.254 dev ${d.ifc}`, 'm'));
      expect(routesOf(d.ns)).toMatch(new RegExp(`^192\\.168\\.77\\.0/24 via 172\\.30\\.0\\.253 dev ${d.ifc}`, 'm'));
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('a tag set from option 77 chooses the boot file and adds its options: udhcpc -x and dhclient user-class', async () => {
    srv = await startDhcp(server, serverOpts());
    // RFC 3004 form: length 8, "lab-node"
    const hex = Buffer.concat([Buffer.of(8), Buffer.from('lab-node')]).toString('hex');
    const tagged = client('52:54:00:00:90:03');
    const log = join(dir, 'u-77.log');
    udhcpcOnce(tagged.ns.name, tagged.ifc, join(dir, 'udhcpc.sh'), log, ['-x', `0x4d:${hex}`, '-O', '17']);
    expect(await readFile(log, 'utf8')).toMatch(
      /^bound .* boot_file=lab-tagged\.efi bootfile=lab-tagged\.efi rootpath=\/srv\/lab /m,
    );
    const plain = client('52:54:00:00:90:04');
    const plog = join(dir, 'u-no77.log');
    udhcpcOnce(plain.ns.name, plain.ifc, join(dir, 'udhcpc.sh'), plog, [
      '-x',
      `0x4d:${Buffer.from('\x05other').toString('hex')}`,
    ]);
    expect(await readFile(plog, 'utf8')).toMatch(/^bound .* boot_file= bootfile= rootpath= /m);
    await srv.waitForLog(/^OFFER 172\.30\.0\.1\d\d tftp lab-tagged\.efi$/);

    // dhclient sends user-class as the bare string (not RFC 3004): one class, still matched
    const d = client('52:54:00:00:90:05');
    const { proc, log: dlog } = await dhclient(d.ns, d.ifc, 'send user-class "lab-node";');
    try {
      await waitFile(dlog, /^BOUND /m);
      const acked = srv.logs().find((l) => l.mac === '52:54:00:00:90:05' && /^ACK /.test(String(l.msg)));
      expect(acked?.msg).toMatch(/^ACK 172\.30\.0\.1\d\d tftp lab-tagged\.efi$/);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('a client-id reservation gives its address whatever the MAC; the MAC alone does not', async () => {
    srv = await startDhcp(server, serverOpts());
    const a = client('52:54:00:00:90:06');
    const log = join(dir, 'u-cid.log');
    udhcpcOnce(a.ns.name, a.ifc, join(dir, 'udhcpc.sh'), log, ['-C', '-x', `0x3d:${CLIENT_ID.replace(/:/g, '')}`]);
    expect(await readFile(log, 'utf8')).toMatch(/^bound ip=172\.30\.0\.60 .* hostname=by-client-id$/m);
    // the same MAC with udhcpc's default client-id (01 + MAC) is somebody else
    const b = client('52:54:00:00:90:06');
    const blog = join(dir, 'u-nocid.log');
    udhcpcOnce(b.ns.name, b.ifc, join(dir, 'udhcpc.sh'), blog);
    expect(await readFile(blog, 'utf8')).toMatch(/^bound ip=172\.30\.0\.1\d\d /m);
  });

  it('a reservation with only a hostname goes to the client that sends that name (option 12)', async () => {
    srv = await startDhcp(server, serverOpts());
    const c = client('52:54:00:00:90:0a');
    const log = join(dir, 'u-name.log');
    udhcpcOnce(c.ns.name, c.ifc, join(dir, 'udhcpc.sh'), log, ['-x', 'hostname:Named-Host']);
    expect(await readFile(log, 'utf8')).toMatch(/^bound ip=172\.30\.0\.61 .* hostname=named-host$/m);
    const other = client('52:54:00:00:90:0b');
    const olog = join(dir, 'u-noname.log');
    udhcpcOnce(other.ns.name, other.ifc, join(dir, 'udhcpc.sh'), olog, [
      '-x',
      'hostname:other-host',
      '-r',
      '172.30.0.61',
    ]);
    expect(await readFile(olog, 'utf8')).toMatch(/^bound ip=172\.30\.0\.1\d\d /m);
  });

  /** dhclient starting with a lease from elsewhere (172.30.0.200, outside our range) asks for it (INIT-REBOOT). */
  const foreignLease = (ifc: string) => `lease {
  interface "${ifc}";
  fixed-address 172.30.0.200;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 172.30.0.99;
  renew 4 2037/12/31 00:00:00;
  rebind 4 2037/12/31 00:00:00;
  expire 4 2037/12/31 00:00:00;
}
`;

  it('authoritative (default): a REQUEST for a lease we never gave gets a NAK and dhclient starts over at once', async () => {
    srv = await startDhcp(server, serverOpts());
    const d = client('52:54:00:00:90:08');
    const started = Date.now();
    const { proc, log } = await dhclient(d.ns, d.ifc, 'reboot 6;', foreignLease(d.ifc));
    try {
      await srv.waitForLog(/^NAK: 172\.30\.0\.200 is not available$/);
      await waitFile(log, /^BOUND ip=172\.30\.0\.1\d\d /m);
      // the NAK sent it to DISCOVER before its 6 s reboot timeout ran out
      expect(Date.now() - started).toBeLessThan(6000);
      expect((await srv.counters()).naks).toBe(1);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('authoritative: false stays silent; dhclient gives up on its old lease only at its reboot timeout', async () => {
    // ignored requests are logged at debug
    srv = await startDhcp(server, serverOpts({ authoritative: false, logLevel: 'debug' }));
    const d = client('52:54:00:00:90:09');
    const started = Date.now();
    const { proc, log } = await dhclient(d.ns, d.ifc, 'reboot 4;', foreignLease(d.ifc));
    try {
      await srv.waitForLog(/^ignored: not authoritative: 172\.30\.0\.200 is not available$/);
      await waitFile(log, /^BOUND ip=172\.30\.0\.1\d\d /m);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
      const c = await srv.counters();
      expect(c.naks).toBe(0);
      expect(c.acks).toBeGreaterThanOrEqual(1);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
