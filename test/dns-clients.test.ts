/**
 * `bmc-emu serve` with DHCP and DNS on br0 in a test-made namespace; real clients in another: dig, host,
 * kdig, getent (through a resolv.conf bind-mounted by `ip netns exec`) and udhcpc sending its own hostname.
 * Names outside our zone go to dnsmasq in a third namespace, over TCP when its UDP answer is truncated.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digIn, dnsmasqInNs, inNs, type Running, resolvConfFor, serveInNs, sleep } from './support/dns-lab.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dns clients in namespaces', [
  root(),
  command('dig', 'dnsutils'),
  command('host', 'bind9-host'),
  command('kdig', 'knot-dnsutils'),
  command('dnsmasq', 'dnsmasq-base'),
  command('udhcpc'),
  command('getent', 'libc-bin'),
]);

const OURS = '172.30.0.1';
const UPSTREAM = '172.30.0.53';
const BIG = Array.from({ length: 30 }, (_, i) => `--txt-record=big.example,part-${i}-${'y'.repeat(80)}`);

gate.describe('DNS from bmc-emu serve, asked by dig, host, kdig, getent and a DHCP client', () => {
  let server: NetNs;
  let client: NetNs;
  let upstream: NetNs;
  let dir: string;
  let serve: Running;
  let dnsmasq: Running;
  let removeResolvConf: () => void = () => undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dns-'));
    server = new NetNs('dnss');
    client = new NetNs('dnsc');
    upstream = new NetNs('dnsu');
    server.addBridge('br0', `${OURS}/24`);
    server.addVeth('pc0', 'dc0', client, 'br0');
    client.exec('ip', 'addr', 'add', '172.30.0.10/24', 'dev', 'dc0');
    // two more bridges: br1 is served as well, br2 is not
    server.addBridge('br1', '10.99.0.1/24');
    server.addVeth('pc1', 'dc1', client, 'br1');
    client.exec('ip', 'addr', 'add', '10.99.0.10/24', 'dev', 'dc1');
    server.addBridge('br2', '10.98.0.1/24');
    server.addVeth('pc2', 'dc2', client, 'br2');
    client.exec('ip', 'addr', 'add', '10.98.0.10/24', 'dev', 'dc2');
    server.addVeth('pu0', 'up0', upstream, 'br0');
    upstream.exec('ip', 'addr', 'add', `${UPSTREAM}/24`, 'dev', 'up0');
    dnsmasq = await dnsmasqInNs(upstream, UPSTREAM, ['--address=/forwarded.example/198.51.100.7', ...BIG]);
    serve = await serveInNs(
      server,
      dir,
      `stateDir: ${dir}/state
log: { level: debug }
driver: { kind: memory, demoNodes: 0 }
redfish: { enabled: false }
ipmi: { enabled: false }
dhcp:
  enabled: true
  interface: br0
  subnet: 172.30.0.0/24
  rangeStart: 172.30.0.100
  rangeEnd: 172.30.0.120
  dns: [${OURS}]
  domain: ocp.lab.test
  reservations:
    - { mac: "52:54:00:00:90:01", ip: 172.30.0.21, hostname: master-0 }
dns:
  enabled: true
  interfaces: [br0, br1]
  zones: [ocp.lab.test]
  upstreams: [${UPSTREAM}]
  records:
    - { type: A, name: api.ocp.lab.test, address: 192.168.111.5 }
    - { type: AAAA, name: api.ocp.lab.test, address: "fd00:1::5" }
    - { type: A, name: "*.apps.ocp.lab.test", address: 192.168.111.4 }
    - { type: CNAME, name: registry.ocp.lab.test, target: api.ocp.lab.test }
    - { type: TXT, name: api.ocp.lab.test, text: "role=api" }
    - { type: SRV, name: _etcd-server-ssl._tcp.ocp.lab.test, target: etcd-0.ocp.lab.test, port: 2380, weight: 10 }
    - { type: A, name: etcd-0.ocp.lab.test, address: 192.168.111.10 }
`,
    );
    removeResolvConf = resolvConfFor(client, `nameserver ${OURS}\nsearch ocp.lab.test\noptions timeout:2 attempts:1\n`);
  });

  afterAll(async () => {
    removeResolvConf();
    client?.destroy();
    upstream?.destroy();
    server?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints where it serves: the bridge address, port 53, its zone and upstream', () => {
    expect(serve.output()).toMatch(
      /dns udp\+tcp 172\.30\.0\.1:53 \(zones ocp\.lab\.test; forwarding to 172\.30\.0\.53\)/,
    );
  });

  it('serves every address of the listed interfaces and nothing else', async () => {
    expect(serve.output()).toMatch(/dns udp\+tcp 10\.99\.0\.1:53 /);
    expect((await digIn(client, '10.99.0.1', ['api.ocp.lab.test'])).answers).toEqual([
      'api.ocp.lab.test. a 192.168.111.5',
    ]);
    const tcp = await inNs(client, 'kdig', ['@10.99.0.1', '+tcp', 'api.ocp.lab.test']);
    expect(tcp).toMatch(/192\.168\.111\.5/);
    // br2's address is not served: dig gets ICMP port unreachable and gives up
    await expect(inNs(client, 'dig', ['@10.98.0.1', '+time=1', '+tries=1', 'api.ocp.lab.test'])).rejects.toMatchObject({
      stdout: expect.stringMatching(/connection refused|timed out|no servers could be reached/),
    });
  });

  it('dig: every record kind, authoritative', async () => {
    const q = (...a: string[]) => digIn(client, OURS, a);
    const a = await q('api.ocp.lab.test', 'A');
    expect(a).toMatchObject({ status: 'NOERROR', answers: ['api.ocp.lab.test. a 192.168.111.5'] });
    expect(a.flags).toContain('aa');
    expect((await q('api.ocp.lab.test', 'AAAA')).answers).toEqual(['api.ocp.lab.test. aaaa fd00:1::5']);
    expect((await q('registry.ocp.lab.test', 'A')).answers).toEqual([
      'api.ocp.lab.test. a 192.168.111.5',
      'registry.ocp.lab.test. cname api.ocp.lab.test.',
    ]);
    expect((await q('api.ocp.lab.test', 'TXT')).answers).toEqual(['api.ocp.lab.test. txt "role=api"']);
    expect((await q('_etcd-server-ssl._tcp.ocp.lab.test', 'SRV')).answers).toEqual([
      '_etcd-server-ssl._tcp.ocp.lab.test. srv 0 10 2380 etcd-0.ocp.lab.test.',
    ]);
    expect((await q('-x', '192.168.111.10')).answers).toEqual([
      '10.111.168.192.in-addr.arpa. ptr etcd-0.ocp.lab.test.',
    ]);
    expect((await q('ocp.lab.test', 'SOA')).answers[0]).toMatch(
      /^ocp\.lab\.test\. soa ns\.ocp\.lab\.test\. hostmaster\.ocp\.lab\.test\. \d+ 3600 600 86400 60$/,
    );
    expect((await q('ocp.lab.test', 'NS')).answers).toEqual(['ocp.lab.test. ns ns.ocp.lab.test.']);
    expect((await q('ns.ocp.lab.test', 'A')).answers).toEqual([
      'ns.ocp.lab.test. a 10.99.0.1',
      'ns.ocp.lab.test. a 172.30.0.1',
    ]);
    // NXDOMAIN for a name that does not exist, NODATA for one without the type
    expect(await q('nope.ocp.lab.test', 'A')).toMatchObject({ status: 'NXDOMAIN', answers: [] });
    expect(await q('etcd-0.ocp.lab.test', 'MX')).toMatchObject({ status: 'NOERROR', answers: [] });
  });

  it('a wildcard, asked by kdig over UDP and TCP', async () => {
    for (const extra of [[], ['+tcp']]) {
      const out = await inNs(client, 'kdig', [
        `@${OURS}`,
        ...extra,
        'console-openshift-console.apps.ocp.lab.test',
        'A',
      ]);
      expect(out).toMatch(/Flags: qr aa rd ra;/);
      expect(out).toMatch(/console-openshift-console\.apps\.ocp\.lab\.test\.\s+\d+\s+IN\s+A\s+192\.168\.111\.4/);
    }
  });

  it('host: forward and reverse, SRV', async () => {
    expect(await inNs(client, 'host', ['api.ocp.lab.test', OURS])).toMatch(
      /api\.ocp\.lab\.test has address 192\.168\.111\.5/,
    );
    expect(await inNs(client, 'host', ['192.168.111.5', OURS])).toMatch(
      /5\.111\.168\.192\.in-addr\.arpa domain name pointer api\.ocp\.lab\.test\./,
    );
    expect(await inNs(client, 'host', ['-t', 'SRV', '_etcd-server-ssl._tcp.ocp.lab.test', OURS])).toMatch(
      /has SRV record 0 10 2380 etcd-0\.ocp\.lab\.test\./,
    );
  });

  it('getent through the namespace resolv.conf (search domain included), and a forwarded name', async () => {
    expect(await inNs(client, 'getent', ['ahostsv4', 'api.ocp.lab.test'])).toMatch(
      /^192\.168\.111\.5\s+STREAM api\.ocp\.lab\.test$/m,
    );
    expect(await inNs(client, 'getent', ['hosts', 'etcd-0'])).toMatch(/^192\.168\.111\.10\s+etcd-0\.ocp\.lab\.test$/m);
    expect(await inNs(client, 'getent', ['hosts', 'x.apps.ocp.lab.test'])).toMatch(
      /^192\.168\.111\.4\s+x\.apps\.ocp\.lab\.test/m,
    );
    expect(await inNs(client, 'getent', ['hosts', '192.168.111.5'])).toMatch(
      /^192\.168\.111\.5\s+api\.ocp\.lab\.test$/m,
    );
    expect(await inNs(client, 'getent', ['hosts', 'forwarded.example'])).toMatch(
      /^198\.51\.100\.7\s+forwarded\.example$/m,
    );
  });

  it('forwards other names to the upstream (RA, not AA), seen in dnsmasq own log', async () => {
    const r = await digIn(client, OURS, ['www.forwarded.example', 'A']);
    expect(r).toMatchObject({ status: 'NOERROR', answers: ['www.forwarded.example. a 198.51.100.7'] });
    expect(r.flags).toContain('ra');
    expect(r.flags).not.toContain('aa');
    expect(dnsmasq.output()).toMatch(/query\[A\] www\.forwarded\.example from 172\.30\.0\.1/);
    // dnsmasq knows nothing else and has no upstream of its own: its REFUSED comes back to the client
    expect((await digIn(client, OURS, ['unknown.example', 'A'])).status).toBe('REFUSED');
  });

  it('a large forwarded answer: dnsmasq truncates to us, we ask it over TCP; we truncate to dig, dig asks us over TCP', async () => {
    const out = await inNs(client, 'dig', [`@${OURS}`, '+time=5', '+tries=1', 'big.example', 'TXT']);
    expect(out).toMatch(/Truncated, retrying in TCP mode/);
    expect(out).toMatch(/ANSWER: 30,/);
    await serve.waitFor(/"outcome":"forward 172\.30\.0\.53:53\/tcp"/);
    expect(serve.output()).toMatch(/"outcome":"forward 172\.30\.0\.53:53\/tcp truncated"/);
  });

  it('names from DHCP: a reservation before any lease, and a client-sent hostname (udhcpc -x hostname:) after its lease', async () => {
    expect((await digIn(client, OURS, ['master-0.ocp.lab.test'])).answers).toEqual([
      'master-0.ocp.lab.test. a 172.30.0.21',
    ]);
    server.addVeth('pd0', 'dh0', client, 'br0');
    client.exec('ip', 'link', 'set', 'dh0', 'address', '52:54:00:00:90:02');
    const script = join(dir, 'udhcpc.sh');
    await writeFile(script, '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip" >> "$LOG"\nexit 0\n');
    await chmod(script, 0o755);
    const log = join(dir, 'udhcpc.log');
    await inNs(client, 'env', [
      `LOG=${log}`,
      'udhcpc',
      '-i',
      'dh0',
      '-n',
      '-q',
      '-f',
      '-t',
      '5',
      '-T',
      '1',
      '-s',
      script,
      '-x',
      'hostname:Foo_Box',
    ]);
    const leased = /bound ip=(\S+)/.exec(await readFile(log, 'utf8'))?.[1];
    expect(leased).toMatch(/^172\.30\.0\.1[01]\d$/);
    // the lease file holds the sanitised name
    expect(await readFile(join(dir, 'state/dhcp-leases-br0.txt'), 'utf8')).toMatch(
      new RegExp(`^bound 52:54:00:00:90:02 ${leased!.replace(/\./g, '\\.')} \\S+ foo-box$`, 'm'),
    );
    let r = await digIn(client, OURS, ['foo-box.ocp.lab.test']);
    for (let i = 0; i < 20 && r.answers.length === 0; i++) {
      await sleep(100);
      r = await digIn(client, OURS, ['foo-box.ocp.lab.test']);
    }
    expect(r.answers).toEqual([`foo-box.ocp.lab.test. a ${leased}`]);
    expect((await digIn(client, OURS, ['-x', leased!])).answers).toEqual([
      `${leased!.split('.').reverse().join('.')}.in-addr.arpa. ptr foo-box.ocp.lab.test.`,
    ]);
    expect(await inNs(client, 'getent', ['hosts', 'foo-box'])).toMatch(
      new RegExp(`^${leased!.replace(/\./g, '\\.')}\\s+foo-box\\.ocp\\.lab\\.test$`, 'm'),
    );
  });
});
