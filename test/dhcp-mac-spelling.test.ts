/**
 * Reservations written in the MAC spellings users paste (bare hex, dashes, Cisco dots, upper case) must match
 * the client: `bmc-emu serve` from a config file in a test-made namespace, real udhcpc on the client side.
 * (Issue #10: `mac: "525400000001"` passed the schema and silently never matched; the client got a pool address.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { BR0_DHCP, DHCP_ONLY, type ServeInNs, serveInNs, UDHCPC_BOUND_SCRIPT } from './support/dhcp-serve.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp reservations in every MAC spelling', [root(), command('udhcpc')]);

const SPELLINGS = [
  { written: '525400000001', mac: '52:54:00:00:00:01', ip: '172.30.0.11', hostname: 'bare-hex' },
  { written: '52-54-00-00-00-02', mac: '52:54:00:00:00:02', ip: '172.30.0.12', hostname: 'dashes' },
  { written: '5254.0000.0003', mac: '52:54:00:00:00:03', ip: '172.30.0.13', hostname: 'cisco-dots' },
  { written: '52:54:00:00:00:0A', mac: '52:54:00:00:00:0a', ip: '172.30.0.14', hostname: 'upper-case' },
];

gate.describe('bmc-emu serve: DHCP reservations match whatever MAC spelling the config uses', () => {
  let net: ReturnType<typeof topology>;
  let served: ServeInNs;

  beforeAll(async () => {
    const reservations = SPELLINGS.map(
      (s) => `    - { mac: "${s.written}", ip: ${s.ip}, hostname: ${s.hostname} }`,
    ).join('\n');
    net = topology();
    served = await serveInNs(net.server, {
      prefix: 'bmcemu-dhcp-mac-',
      config: `${DHCP_ONLY}${BR0_DHCP}  leaseTimeSec: 600
  reservations:
${reservations}
`,
      udhcpcScript: UDHCPC_BOUND_SCRIPT,
      ready: [/dhcp server/],
    });
  });

  afterAll(async () => {
    net?.destroy();
    await served?.cleanup();
  });

  for (const [i, s] of SPELLINGS.entries()) {
    it(`a reservation written "${s.written}" gives ${s.mac} its reserved ${s.ip}`, async () => {
      const ifc = net.addClientPort(`m${i}`, s.mac);
      const log = join(served.dir, `m${i}.log`);
      udhcpcOnce(net.client.name, ifc, served.script, log);
      expect(await readFile(log, 'utf8')).toContain(`bound ip=${s.ip} hostname=${s.hostname}`);
    });
  }
});
