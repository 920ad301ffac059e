/**
 * `bmc-emu serve` in a test-made namespace: a real udhcpc lease moves the DHCP message counters by exactly one
 * DORA and shows in the leases active/free gauges of `/metrics` on the Redfish listener.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, sleep, topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp metrics via bmc-emu serve', [root(), command('udhcpc'), command('curl')]);

interface Family {
  name: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}

gate.describe('DHCP in /metrics', () => {
  let net: ReturnType<typeof topology>;
  let dir: string;
  let out = '';

  const scrape = (): Map<string, Family> => {
    const text = net.server.exec('curl', '-s', '--max-time', '5', 'http://127.0.0.1:18000/metrics');
    return new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
  };
  const value = (page: Map<string, Family>, name: string, labels: Record<string, string>) => {
    const m = page.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
    return m ? Number(m.value) : 0;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-metrics-'));
    await writeFile(
      join(dir, 'config.yaml'),
      `stateDir: ${dir}/state
driver: { kind: memory, demoNodes: 1 }
redfish: { port: 18000, tls: false }
ipmi: { enabled: false }
http: { port: 8081 }
dhcp:
  enabled: true
  interface: br0
  subnet: 172.30.0.0/24
  rangeStart: 172.30.0.100
  rangeEnd: 172.30.0.120
  router: 172.30.0.1
`,
    );
    await writeFile(join(dir, 'udhcpc.sh'), '#!/bin/sh\nexit 0\n');
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    try {
      execFileSync('npx', ['tsc', '-b'], { cwd: REPO, stdio: 'ignore', timeout: 180_000 });
    } catch {
      // a stale CLI shows below
    }
    net = topology();
    const proc = net.server.spawn(
      process.execPath,
      [join(REPO, 'bin/bmc-emu.js'), 'serve', '-c', join(dir, 'config.yaml')],
      {
        cwd: REPO,
      },
    );
    proc.stdout?.on('data', (d) => (out += d));
    proc.stderr?.on('data', (d) => (out += d));
    const until = Date.now() + 20_000;
    while (!/dhcp server/.test(out) || !/redfish http/.test(out)) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`bmc-emu serve did not start:\n${out}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    net?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('one udhcpc lease is one DISCOVER, OFFER, REQUEST and ACK, and one active lease of 21', () => {
    const before = scrape();
    expect(value(before, 'bmcemu_dhcp_leases_free', { subnet: '172.30.0.0/24' })).toBe(21);
    udhcpcOnce(net.client.name, net.addClientPort('m0', '52:54:00:00:90:01'), join(dir, 'udhcpc.sh'), join(dir, 'l'));
    const after = scrape();
    for (const message of ['DISCOVER', 'OFFER', 'REQUEST', 'ACK']) {
      const name = 'bmcemu_dhcp_messages_total';
      expect(value(after, name, { message }) - value(before, name, { message }), message).toBe(1);
    }
    expect(value(after, 'bmcemu_dhcp_leases_active', { subnet: '172.30.0.0/24' })).toBe(1);
    expect(value(after, 'bmcemu_dhcp_leases_free', { subnet: '172.30.0.0/24' })).toBe(20);
  });
});
