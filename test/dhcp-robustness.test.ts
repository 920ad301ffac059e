/**
 * Per-interface serving (two bridges, two instances, SO_BINDTODEVICE) and 100,000 random or mutated
 * packets at a running server, after which a real client still gets a lease.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, type ServerProcess, startDhcp, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp robustness', [root(), command('udhcpc')]);

gate.describe('DHCP per-interface serving and bad input', () => {
  let server: NetNs;
  let client: NetNs;
  let dir: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-rob-'));
    await writeFile(
      join(dir, 'udhcpc.sh'),
      '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip serverid=$serverid router=$router" >> "$LOG"\nexit 0\n',
    );
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    server = new NetNs('dhs');
    client = new NetNs('dhc');
    server.addBridge('br0', '172.30.0.1/24');
    server.addBridge('br1', '172.31.0.1/24');
    server.addVeth('p0', 'c0', client, 'br0');
    server.addVeth('p1', 'c1', client, 'br1');
    server.addVeth('pf', 'f0', client, 'br0');
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    client?.destroy();
    server?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  function udhcpc(ifc: string, log: string): string {
    udhcpcOnce(client.name, ifc, join(dir, 'udhcpc.sh'), log);
    return execFileSync('cat', [log], { encoding: 'utf8' });
  }

  it('two bridges, two instances on 0.0.0.0:67: each client gets its own bridge answer only', async () => {
    const common = { mode: 'server', leaseTimeSec: 600, rangeStart: undefined, rangeEnd: undefined };
    servers.push(
      await startDhcp(server, {
        ...common,
        interface: 'br0',
        subnet: '172.30.0.0/24',
        rangeStart: '172.30.0.100',
        rangeEnd: '172.30.0.199',
        router: '172.30.0.1',
        leaseFile: join(dir, 'br0.leases'),
      }),
      await startDhcp(server, {
        ...common,
        interface: 'br1',
        subnet: '172.31.0.0/24',
        rangeStart: '172.31.0.100',
        rangeEnd: '172.31.0.199',
        router: '172.31.0.1',
        leaseFile: join(dir, 'br1.leases'),
      }),
    );
    expect(servers[0]!.ready).toContain('on br0 (server 172.30.0.1)');
    expect(servers[1]!.ready).toContain('on br1 (server 172.31.0.1)');
    const a = udhcpc('c0', join(dir, 'c0.log'));
    const b = udhcpc('c1', join(dir, 'c1.log'));
    expect(a).toMatch(/^bound ip=172\.30\.0\.1\d\d serverid=172\.30\.0\.1 router=172\.30\.0\.1$/m);
    expect(b).toMatch(/^bound ip=172\.31\.0\.1\d\d serverid=172\.31\.0\.1 router=172\.31\.0\.1$/m);
    const macOf = (ifc: string) => client.exec('cat', `/sys/class/net/${ifc}/address`).trim();
    await servers[0]!.waitForLog(/^ACK 172\.30\.0\./);
    await servers[1]!.waitForLog(/^ACK 172\.31\.0\./);
    // neither instance even heard the other bridge's client
    const heard = (s: ServerProcess) =>
      new Set(
        s
          .logs()
          .map((l) => l.mac)
          .filter(Boolean),
      );
    expect([...heard(servers[0]!)]).toEqual([macOf('c0')]);
    expect([...heard(servers[1]!)]).toEqual([macOf('c1')]);
    expect((await readFile(join(dir, 'br1.leases'), 'utf8')).includes(macOf('c0'))).toBe(false);
  });

  it('survives 100,000 random and mutated packets and still leases to udhcpc', async () => {
    // a /16 pool so that random REQUESTs and DISCOVERs do not starve the real client afterwards
    await servers[0]!.stop();
    const fuzzed = await startDhcp(server, {
      mode: 'server',
      interface: 'br0',
      subnet: '172.30.0.0/16',
      rangeStart: '172.30.1.0',
      rangeEnd: '172.30.255.254',
      leaseTimeSec: 600,
      leaseFile: join(dir, 'fuzz.leases'),
      logLevel: 'warn',
    });
    servers.push(fuzzed);
    const before = await fuzzed.counters();
    const t0 = Date.now();
    const out = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        client.name,
        process.execPath,
        join(REPO, 'fixtures/dhcp/fuzz.mjs'),
        JSON.stringify({ iface: 'f0', count: 100_000, seed: 20261122, rate: 6000 }),
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 170_000 },
    );
    const summary = JSON.parse(out.trim()) as { sent: number; errors: number; ms: number };
    expect(summary.sent + summary.errors).toBe(100_000);
    expect(summary.sent).toBeGreaterThanOrEqual(99_000);
    expect(fuzzed.proc.exitCode).toBeNull();
    // let the server drain its socket
    await new Promise((r) => setTimeout(r, 1000));
    const after = (await fuzzed.counters()) as {
      received: number;
      decodeErrors: number;
      internalErrors: number;
      offers: number;
      acks: number;
      naks: number;
    };
    const received = after.received - (before as { received: number }).received;
    console.log(
      `dhcp fuzz: sent ${summary.sent} in ${summary.ms} ms; server received ${received}, decode errors ${after.decodeErrors}, offers ${after.offers}, acks ${after.acks}, naks ${after.naks}, internal errors ${after.internalErrors}, total ${Date.now() - t0} ms`,
    );
    expect(received).toBeGreaterThan(90_000);
    expect(after.decodeErrors).toBeGreaterThan(20_000);
    expect(after.offers).toBeGreaterThan(1000);
    expect(after.internalErrors).toBe(0);
    execFileSync('ip', ['netns', 'exec', client.name, 'ip', 'link', 'set', 'c0', 'address', '52:54:00:00:70:01']);
    const log = udhcpc('c0', join(dir, 'after-fuzz.log'));
    expect(log).toMatch(/^bound ip=172\.30\.\d+\.\d+ serverid=172\.30\.0\.1/m);
  }, 200_000);
});
