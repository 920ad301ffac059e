/**
 * PXE answers per architecture, checked on the wire with tshark's DHCP dissector and a test-written PXE
 * client (options 60/77/93/175); proxy mode beside a real dnsmasq that hands out the addresses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  optHex,
  optText,
  pxeClient,
  type ServerProcess,
  sleep,
  startDhcp,
  topology,
} from '../packages/dhcp/test/netns-harness.js';
import { Capture, REPLY_FIELDS, REQUEST_FIELDS } from '../packages/dhcp/test/tshark.js';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp pxe', [root(), command('tshark'), command('dnsmasq', 'dnsmasq-base')]);

const HTTP = 'http://172.30.0.1:8080';

gate.describe('PXE answers on the wire', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-pxe-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('server mode', () => {
    let net: ReturnType<typeof topology>;
    let srv: ServerProcess;
    let cap: Capture;
    const clients = [
      {
        name: 'bios',
        mac: '52:54:00:00:50:00',
        arch: 0,
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
        file: 'undionly.kpxe',
      },
      {
        name: 'efi7',
        mac: '52:54:00:00:50:07',
        arch: 7,
        vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
        file: 'snponly.efi',
      },
      {
        name: 'efi9',
        mac: '52:54:00:00:50:09',
        arch: 9,
        vendorClass: 'PXEClient:Arch:00009:UNDI:003016',
        file: 'snponly.efi',
      },
      {
        name: 'arm',
        mac: '52:54:00:00:50:0b',
        arch: 11,
        vendorClass: 'PXEClient:Arch:00011:UNDI:003000',
        file: 'snponly-arm64.efi',
      },
      {
        name: 'http',
        mac: '52:54:00:00:50:10',
        arch: 16,
        vendorClass: 'HTTPClient:Arch:00016:UNDI:003001',
        url: `${HTTP}/ipxe/snponly.efi`,
        echo: 'HTTPClient',
      },
      {
        name: 'ipxe',
        mac: '52:54:00:00:50:20',
        arch: 0,
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
        userClassRaw: 'iPXE',
        ipxe: true,
        url: `${HTTP}/boot.ipxe`,
      },
      { name: 'nopxe', mac: '52:54:00:00:50:30', arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', none: true },
    ];
    const results = new Map<string, ReturnType<typeof pxeClient>>();

    beforeAll(async () => {
      net = topology();
      srv = await startDhcp(net.server, {
        mode: 'server',
        interface: 'br0',
        subnet: '172.30.0.0/24',
        rangeStart: '172.30.0.100',
        rangeEnd: '172.30.0.199',
        leaseTimeSec: 600,
        reservations: [{ mac: '52:54:00:00:50:30', ip: '172.30.0.30', pxe: false }],
        bootPolicy: { httpBaseUrl: HTTP },
      });
      cap = new Capture(net.server, 'br0', join(dir, 'server.pcap'));
      await cap.start();
      for (const c of clients) {
        const ifc = net.addClientPort(c.name, c.mac);
        results.set(c.name, pxeClient(net.client, { iface: ifc, request: true, waitMs: 700, ...c }));
      }
      await cap.stop();
    });
    afterAll(async () => {
      await cap?.stop();
      await srv?.stop();
      net?.destroy();
    });

    it('tshark decodes the requests as sent: option 93 per arch, user class iPXE', () => {
      const reqs = cap.read('dhcp.option.dhcp == 1', REQUEST_FIELDS);
      const byMac = new Map(reqs.map((r) => [r['dhcp.hw.mac_addr'], r]));
      for (const c of clients) {
        expect(Number(byMac.get(c.mac)?.['dhcp.option.client_system_architecture'])).toBe(c.arch);
      }
      const ipxe = cap.read(
        'dhcp.option.dhcp == 1 && dhcp.option.type == 77 && dhcp.option.type == 175',
        REQUEST_FIELDS,
      );
      expect(ipxe.map((r) => r['dhcp.hw.mac_addr'])).toEqual(['52:54:00:00:50:20']);
    });

    for (const c of clients) {
      it(`${c.name} (arch ${c.arch}${c.ipxe ? ', iPXE' : ''}): ${c.file ?? c.url ?? 'no boot file'} in OFFER and ACK`, () => {
        const replies = cap.read(
          `dhcp.hw.mac_addr == ${c.mac} && (dhcp.option.dhcp == 2 || dhcp.option.dhcp == 5)`,
          REPLY_FIELDS,
        );
        expect(replies.map((r) => r['dhcp.option.dhcp'])).toEqual(['2', '5']);
        for (const r of replies) {
          expect(r['dhcp.option.dhcp_server_id']).toBe('172.30.0.1');
          if (c.file) {
            expect(r['dhcp.file']).toBe(c.file);
            expect(r['dhcp.option.bootfile_name']).toBe(c.file);
            expect(r['dhcp.ip.server']).toBe('172.30.0.1');
            expect(r['dhcp.server']).toBe('172.30.0.1');
            expect(r['dhcp.option.tftp_server_name']).toBe('172.30.0.1');
          } else if (c.url) {
            expect(r['dhcp.option.bootfile_name']).toBe(c.url);
            expect(r['dhcp.file']).toBe(c.url);
          } else {
            expect(r['dhcp.option.bootfile_name']).toBe('');
            expect(r['dhcp.file']).toBe('');
            expect(r['dhcp.ip.your']).toBe('172.30.0.30');
          }
          if (c.echo) expect(r['dhcp.option.vendor_class_id']).toBe(c.echo);
        }
        const res = results.get(c.name)!;
        expect(res.ack?.yiaddr).toMatch(/^172\.30\.0\./);
        expect(optText(res.ack, 67)).toBe(c.file ?? c.url);
      });
    }

    it('logged every transaction with xid, MAC, arch and what was offered', () => {
      const offers = srv.logs().filter((l) => l.type === 'DISCOVER');
      expect(offers).toHaveLength(clients.length);
      const bios = offers.find((l) => l.mac === '52:54:00:00:50:00')!;
      expect(bios).toMatchObject({
        arch: 0,
        msg: expect.stringMatching(/^OFFER 172\.30\.0\.1\d\d tftp undionly\.kpxe$/),
      });
      expect(String(bios.xid)).toMatch(/^0x[0-9a-f]{8}$/);
    });
  });

  describe('proxy mode beside dnsmasq', () => {
    let net: ReturnType<typeof topology>;
    let other: NetNs;
    let srv: ServerProcess;
    let cap: Capture;

    beforeAll(async () => {
      net = topology();
      other = new NetNs('dhd');
      net.server.addVeth('pdnsm', 'eth0', other, 'br0');
      other.exec('ip', 'addr', 'add', '172.30.0.2/24', 'dev', 'eth0');
      const dns = other.spawn('dnsmasq', [
        '--no-daemon',
        '--conf-file=/dev/null',
        '--port=0',
        '--interface=eth0',
        '--bind-interfaces',
        '--dhcp-range=172.30.0.150,172.30.0.159,255.255.255.0,1h',
        `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
        `--pid-file=${join(dir, 'dnsmasq.pid')}`,
        '--log-dhcp',
        // dnsmasq pings an address for up to 3 s before offering it; nothing else is on this bridge
        '--no-ping',
      ]);
      let log = '';
      dns.stderr?.on('data', (d) => {
        log += d;
      });
      const until = Date.now() + 10_000;
      while (!/DHCP, IP range/.test(log)) {
        if (Date.now() > until || dns.exitCode !== null) throw new Error(`dnsmasq did not start: ${log}`);
        await sleep(50);
      }
      srv = await startDhcp(net.server, {
        mode: 'proxy',
        interface: 'br0',
        logLevel: 'debug',
        leaseTimeSec: 600,
        bootPolicy: { httpBaseUrl: HTTP },
      });
      cap = new Capture(net.server, 'br0', join(dir, 'proxy.pcap'));
      await cap.start();
    });
    afterAll(async () => {
      await cap?.stop();
      await srv?.stop();
      other?.destroy();
      net?.destroy();
    });

    it('the PXE client gets its address from dnsmasq and its boot file from us (offer and port 4011)', async () => {
      const ifc = net.addClientPort('px0', '52:54:00:00:60:00');
      const r = pxeClient(net.client, {
        iface: ifc,
        mac: '52:54:00:00:60:00',
        arch: 0,
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
        request: true,
        proxyPort: 4011,
        waitMs: 1000,
      });
      const fromDnsmasq = r.offers.find((o) => optText(o, 54) !== undefined && o.from.startsWith('172.30.0.2:'));
      const fromUs = r.offers.find((o) => o.from.startsWith('172.30.0.1:'));
      expect(fromDnsmasq?.yiaddr).toMatch(/^172\.30\.0\.15\d$/);
      expect(fromUs).toBeDefined();
      expect(fromUs!.yiaddr).toBe('0.0.0.0');
      expect(fromUs!.file).toBe('undionly.kpxe');
      expect(optText(fromUs, 60)).toBe('PXEClient');
      expect(optHex(fromUs, 43)).toBe('060108');
      expect(optHex(fromUs, 51)).toBeUndefined();
      expect(r.ack?.from.startsWith('172.30.0.2:')).toBe(true);
      expect(r.ack?.yiaddr).toBe(fromDnsmasq!.yiaddr);
      expect(r.proxyAck?.file).toBe('undionly.kpxe');
      expect(optText(r.proxyAck, 67)).toBe('undionly.kpxe');
      await cap.stop();
      const onWire = cap.read('dhcp.option.dhcp == 2 || dhcp.option.dhcp == 5', REPLY_FIELDS);
      const ours = onWire.filter((p) => p['dhcp.option.dhcp_server_id'] === '172.30.0.1');
      expect(ours.map((p) => [p['dhcp.option.dhcp'], p['dhcp.ip.your'], p['dhcp.file'], p['udp.srcport']])).toEqual([
        ['2', '0.0.0.0', 'undionly.kpxe', '67'],
        ['5', '0.0.0.0', 'undionly.kpxe', '4011'],
      ]);
      expect(ours[0]!['dhcp.option.vendor.pxeclient.discovery_control']).toMatch(/^0x0*8$/);
    });

    it('a non-PXE client is left to dnsmasq alone', async () => {
      const ifc = net.addClientPort('px1', '52:54:00:00:60:01');
      const r = pxeClient(net.client, { iface: ifc, mac: '52:54:00:00:60:01', waitMs: 1000 });
      expect(r.offers.map((o) => o.from.split(':')[0])).toEqual(['172.30.0.2']);
      // pxeClient blocks the event loop: let the server's log lines in before looking
      await srv.waitForLog(/^ignored: proxy mode answers PXE clients only$/);
    });

    it('known-hosts-only: a second server of ours on the same network answers only its reserved MAC', async () => {
      const known = await startDhcp(net.server, {
        mode: 'server',
        interface: 'br0',
        subnet: '172.30.0.0/24',
        rangeStart: '172.30.0.20',
        rangeEnd: '172.30.0.29',
        leaseTimeSec: 600,
        knownHostsOnly: true,
        reservations: [{ mac: '52:54:00:00:60:10', ip: '172.30.0.20', hostname: 'master-0' }],
        proxyPort: false,
        logLevel: 'debug',
      });
      try {
        const k = pxeClient(net.client, {
          iface: net.addClientPort('px2', '52:54:00:00:60:10'),
          mac: '52:54:00:00:60:10',
          waitMs: 1000,
        });
        expect(k.offers.find((o) => o.yiaddr === '172.30.0.20')?.from).toMatch(/^172\.30\.0\.1:67$/);
        const u = pxeClient(net.client, {
          iface: net.addClientPort('px3', '52:54:00:00:60:11'),
          mac: '52:54:00:00:60:11',
          waitMs: 1000,
        });
        expect(u.offers.map((o) => o.from.split(':')[0])).toEqual(['172.30.0.2']);
        await known.waitForLog(/^ignored: unknown host \(known hosts only\)$/);
      } finally {
        await known.stop();
      }
    });
  });
});
