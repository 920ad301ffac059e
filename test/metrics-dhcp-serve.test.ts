/**
 * `bmc-emu serve` in a test-made namespace: a real udhcpc lease moves the DHCP message counters by exactly one
 * DORA and shows in the leases active/free gauges of `/metrics` on the Redfish listener.
 */
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { BR0_DHCP, type ServeInNs, serveInNs } from './support/dhcp-serve.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp metrics via bmc-emu serve', [root(), command('udhcpc'), command('curl')]);

interface Family {
  name: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}

gate.describe('DHCP in /metrics', () => {
  let net: ReturnType<typeof topology>;
  let served: ServeInNs;

  const scrape = (): Map<string, Family> => {
    const text = net.server.exec('curl', '-s', '--max-time', '5', 'http://127.0.0.1:18000/metrics');
    return new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
  };
  const value = (page: Map<string, Family>, name: string, labels: Record<string, string>) => {
    const m = page.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
    return m ? Number(m.value) : 0;
  };

  beforeAll(async () => {
    net = topology();
    served = await serveInNs(net.server, {
      prefix: 'bmcemu-dhcp-metrics-',
      config: `driver: { kind: memory, demoNodes: 1 }
redfish: { port: 18000, tls: false }
ipmi: { enabled: false }
http: { port: 8081 }
${BR0_DHCP}  router: 172.30.0.1
`,
      udhcpcScript: '#!/bin/sh\nexit 0\n',
      ready: [/dhcp server/, /redfish http/],
    });
  });

  afterAll(async () => {
    net?.destroy();
    await served?.cleanup();
  });

  it('one udhcpc lease is one DISCOVER, OFFER, REQUEST and ACK, and one active lease of 21', () => {
    const before = scrape();
    expect(value(before, 'bmcemu_dhcp_leases_free', { subnet: '172.30.0.0/24' })).toBe(21);
    udhcpcOnce(net.client.name, net.addClientPort('m0', '52:54:00:00:90:01'), served.script, join(served.dir, 'l'));
    const after = scrape();
    for (const message of ['DISCOVER', 'OFFER', 'REQUEST', 'ACK']) {
      const name = 'bmcemu_dhcp_messages_total';
      expect(value(after, name, { message }) - value(before, name, { message }), message).toBe(1);
    }
    expect(value(after, 'bmcemu_dhcp_leases_active', { subnet: '172.30.0.0/24' })).toBe(1);
    expect(value(after, 'bmcemu_dhcp_leases_free', { subnet: '172.30.0.0/24' })).toBe(20);
  });
});
