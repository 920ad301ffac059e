/** `bmc-emu serve` with a dhcp section, run inside a namespace: the real CLI hands out leases and boot files. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { optText, pxeClient, topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { BR0_DHCP, DHCP_ONLY, type ServeInNs, serveInNs, UDHCPC_BOUND_SCRIPT } from './support/dhcp-serve.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp via bmc-emu serve', [root(), command('udhcpc')]);

gate.describe('bmc-emu serve starts DHCP from its config', () => {
  let net: ReturnType<typeof topology>;
  let served: ServeInNs;
  let dir: string;

  beforeAll(async () => {
    net = topology();
    served = await serveInNs(net.server, {
      prefix: 'bmcemu-dhcp-serve-',
      config: `${DHCP_ONLY}http: { port: 8081 }
${BR0_DHCP}  router: 172.30.0.1
  leaseTimeSec: 600
  efiX64File: ipxe.efi
  reservations:
    - { mac: "52:54:00:00:80:01", ip: 172.30.0.9, hostname: worker-0 }
  subnets:
    - subnet: 172.31.0.0/24
      rangeStart: 172.31.0.100
      rangeEnd: 172.31.0.120
      router: 172.31.0.1
      leaseTimeSec: 300
      reservations:
        - { mac: "52:54:00:00:80:04", ip: 172.31.0.9, hostname: far-0 }
`,
      udhcpcScript: UDHCPC_BOUND_SCRIPT,
      ready: [/dhcp server/],
    });
    dir = served.dir;
  });

  afterAll(async () => {
    net?.destroy();
    await served?.cleanup();
  });

  it('prints the DHCP endpoint, leases the reserved host and writes the lease file under stateDir', async () => {
    expect(served.output()).toMatch(/dhcp server 0\.0\.0\.0:67 on br0 \(server 172\.30\.0\.1\)/);
    const ifc = net.addClientPort('s0', '52:54:00:00:80:01');
    const log = join(dir, 's0.log');
    udhcpcOnce(net.client.name, ifc, served.script, log);
    expect(await readFile(log, 'utf8')).toContain('bound ip=172.30.0.9 hostname=worker-0');
    expect(await readFile(join(dir, 'state/dhcp-leases-br0.txt'), 'utf8')).toMatch(
      /^bound 52:54:00:00:80:01 172\.30\.0\.9 \S+ worker-0$/m,
    );
  });

  it('UEFI x64 gets the configured ipxe.efi, an iPXE client its script URL', () => {
    const efi = pxeClient(net.client, {
      iface: net.addClientPort('s1', '52:54:00:00:80:02'),
      mac: '52:54:00:00:80:02',
      arch: 7,
      vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
      waitMs: 700,
    });
    expect(efi.offers[0]?.file).toBe('ipxe.efi');
    const ipxe = pxeClient(net.client, {
      iface: net.addClientPort('s2', '52:54:00:00:80:03'),
      mac: '52:54:00:00:80:03',
      arch: 7,
      userClassRaw: 'iPXE',
      ipxe: true,
      waitMs: 700,
    });
    // no dhcp.httpBaseUrl: boot HTTP is the served interface's address at http.port
    expect(optText(ipxe.offers[0], 67)).toBe('http://172.30.0.1:8081/boot.ipxe');
  });

  it('a relayed client on a `subnets` entry gets that subnet: reservation, router, lease time', async () => {
    // a test-written relay leg: 172.31.0.1 on a client port, port 67, giaddr set; the server routes to it on br0
    const ifc = net.addClientPort('s3', '52:54:00:00:80:04');
    net.client.exec('ip', 'addr', 'add', '172.31.0.1/24', 'dev', ifc);
    net.server.exec('ip', 'route', 'add', '172.31.0.0/24', 'dev', 'br0');
    const r = pxeClient(net.client, {
      iface: ifc,
      mac: '52:54:00:00:80:04',
      giaddr: '172.31.0.1',
      localPort: 67,
      request: true,
      waitMs: 700,
    });
    expect(r.offers[0]).toMatchObject({ yiaddr: '172.31.0.9', from: '172.30.0.1:67' });
    expect(r.ack?.yiaddr).toBe('172.31.0.9');
    expect(optText(r.ack, 12)).toBe('far-0');
    const hex = (code: number) => r.ack?.options.find((o) => o.code === code)?.hex;
    expect(hex(3)).toBe('ac1f0001'); // router 172.31.0.1
    expect(hex(51)).toBe('0000012c'); // 300 s
    // pxeClient is synchronous: let the serve process's log lines arrive
    const acked = await served.waitForLine(/"msg":"ACK 172\.31\.0\.9/);
    expect(JSON.parse(acked)).toMatchObject({
      subnet: '172.31.0.0/24',
      relay: '172.31.0.1',
      mac: '52:54:00:00:80:04',
    });
  });
});
