/**
 * Tag expressions seen by real clients: the classic UEFI -> iPXE chainload (`tag:efi,tag:!ipxe` gets the iPXE
 * binary, `tag:ipxe` its script) from a YAML config served by `bmc-emu serve`, and the same rules written as
 * dnsmasq 2.90 options, served in turn on the same bridge to the same udhcpc clients. Each row is asserted for
 * both servers from what udhcpc received, and the parity table is printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sleep, topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { DHCP_ONLY, type ServeInNs, serveInNs } from './support/dhcp-serve.js';
import { startDhclient, waitFile } from './support/dhclient.js';
import type { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp tag expressions vs dnsmasq', [
  root(),
  command('udhcpc'),
  command('dhclient', 'isc-dhcp-client'),
  command('dnsmasq', 'dnsmasq-base'),
]);

const KNOWN_MAC = '52:54:00:00:95:02';
const SCRIPT_URL = 'http://172.30.0.1:8081/boot.ipxe';

/** Later matching entries win in both: `tag:efi` is listed before `tag:efi,tag:!ipxe`, `tag:bios` before `tag:ipxe`. */
const OURS = `${DHCP_ONLY}http: { port: 8081 }
dhcp:
  enabled: true
  interface: br0
  subnet: 172.30.0.0/24
  rangeStart: 172.30.0.100
  rangeEnd: 172.30.0.150
  leaseTimeSec: 600
  reservations:
    - { mac: "${KNOWN_MAC}", ip: 172.30.0.60 }
  match:
    - { set: efi, option: client-arch, value: 7 }
    - { set: efi, option: vendor-class, value: "PXEClient:Arch:00007*" }
    - { set: bios, option: client-arch, value: 0 }
    - { set: ipxe, option: user-class, value: iPXE }
    - { set: shunned, mac: "52:54:00:00:96:*" }
  ignore: ["tag:shunned,tag:!known"]
  options: { root-path: /default }
  tags:
    known: { bootFile: known.pxe }
    "tag:bios": { bootFile: undionly.kpxe }
    "tag:efi": { bootFile: generic-efi.efi }
    "tag:efi,tag:!ipxe": { bootFile: snponly.efi }
    "tag:ipxe": { bootFile: "${SCRIPT_URL}" }
    "tag:!ipxe": { options: { root-path: /not-ipxe } }
`;

const DNSMASQ_RULES = [
  '--dhcp-range=172.30.0.100,172.30.0.150,255.255.255.0,10m',
  `--dhcp-host=${KNOWN_MAC},172.30.0.60`,
  '--dhcp-match=set:efi,option:client-arch,7',
  '--dhcp-vendorclass=set:efi,PXEClient:Arch:00007',
  '--dhcp-match=set:bios,option:client-arch,0',
  '--dhcp-userclass=set:ipxe,iPXE',
  '--dhcp-mac=set:shunned,52:54:00:00:96:*',
  '--dhcp-ignore=tag:shunned,tag:!known',
  '--dhcp-option-force=option:root-path,/default',
  '--dhcp-boot=tag:known,known.pxe',
  '--dhcp-boot=tag:bios,undionly.kpxe',
  '--dhcp-boot=tag:efi,generic-efi.efi',
  '--dhcp-boot=tag:efi,tag:!ipxe,snponly.efi',
  `--dhcp-boot=tag:ipxe,${SCRIPT_URL}`,
  '--dhcp-option-force=tag:!ipxe,option:root-path,/not-ipxe',
];

const ARCH = (n: number) => ['-x', `0x5d:${n.toString(16).padStart(4, '0')}`];
const IPXE = ['-x', `0x4d:${Buffer.from('iPXE').toString('hex')}`];

interface Row {
  client: string;
  mac: string;
  /** udhcpc's flags; or, with `dhclient`, that client with these dhclient.conf lines instead. */
  flags: string[];
  dhclient?: string;
  boot: string;
  rootPath: string;
  /** The address expected, when it is not one from the range; '' for no lease at all. */
  ip?: string;
}

const ROWS: Row[] = [
  { client: 'ignored (MAC 52:54:00:00:96:*)', mac: '52:54:00:00:96:01', flags: [], boot: '', rootPath: '', ip: '' },
  { client: 'plain udhcpc', mac: '52:54:00:00:95:01', flags: [], boot: '', rootPath: '/not-ipxe' },
  {
    client: 'reserved MAC (known)',
    mac: KNOWN_MAC,
    flags: [],
    boot: 'known.pxe',
    rootPath: '/not-ipxe',
    ip: '172.30.0.60',
  },
  { client: 'BIOS (93=0)', mac: '52:54:00:00:95:03', flags: ARCH(0), boot: 'undionly.kpxe', rootPath: '/not-ipxe' },
  { client: 'UEFI x64 (93=7)', mac: '52:54:00:00:95:04', flags: ARCH(7), boot: 'snponly.efi', rootPath: '/not-ipxe' },
  {
    client: 'UEFI by vendor class (60)',
    mac: '52:54:00:00:95:07',
    flags: ['-V', 'PXEClient:Arch:00007:UNDI:003016'],
    boot: 'snponly.efi',
    rootPath: '/not-ipxe',
  },
  {
    client: 'vendor class + iPXE (60, 77)',
    mac: '52:54:00:00:95:08',
    flags: ['-V', 'PXEClient:Arch:00007:UNDI:003016', ...IPXE],
    boot: SCRIPT_URL,
    rootPath: '/default',
  },
  {
    client: 'UEFI + iPXE (93=7, 77)',
    mac: '52:54:00:00:95:05',
    flags: [...ARCH(7), ...IPXE],
    boot: SCRIPT_URL,
    rootPath: '/default',
  },
  {
    client: 'BIOS + iPXE (93=0, 77)',
    mac: '52:54:00:00:95:06',
    flags: [...ARCH(0), ...IPXE],
    boot: SCRIPT_URL,
    rootPath: '/default',
  },
  {
    client: 'dhclient UEFI (93=7)',
    mac: '52:54:00:00:95:09',
    flags: [],
    dhclient: 'send client-arch 7;',
    boot: 'snponly.efi',
    rootPath: '/not-ipxe',
  },
  {
    client: 'dhclient UEFI + iPXE (93=7, 77)',
    mac: '52:54:00:00:95:0a',
    flags: [],
    dhclient: 'send client-arch 7;\nsend user-class "iPXE";',
    boot: SCRIPT_URL,
    rootPath: '/default',
  },
];

/** The lease dhclient was given, as its script logged it (`filename` is the BOOTP file field). */
async function dhclientLease(ns: NetNs, ifc: string, dir: string, row: Row): Promise<string> {
  const d = await startDhclient(ns, ifc, {
    dir,
    name: ifc,
    conf: `option client-arch code 93 = unsigned integer 16;
request subnet-mask, routers, root-path;
${row.dhclient}
`,
    logFields: 'ip=$new_ip_address bootfile=$new_filename rootpath=$new_root_path',
  });
  try {
    const body = await waitFile(d.log, /^BOUND /m).catch(() => '');
    return body.split('\n').find((l) => l.startsWith('BOUND ')) ?? '';
  } finally {
    d.proc.kill('SIGKILL');
  }
}

interface Seen {
  ip: string;
  boot: string;
  rootPath: string;
}

gate.describe(
  'tag expressions: bmc-emu serve and dnsmasq give udhcpc and dhclient the same boot files and options',
  () => {
    let net: ReturnType<typeof topology>;
    let served: ServeInNs;
    let port = 0;
    const seen = { ours: new Map<string, Seen>(), dnsmasq: new Map<string, Seen>() };

    /** Each row on a fresh port (removed afterwards: the next server must not find the MAC on a stale port). */
    async function runRows(into: Map<string, Seen>): Promise<void> {
      for (const row of ROWS) {
        const ifc = `t${port++}`;
        net.addClientPort(ifc, row.mac);
        const log = join(served.dir, `${ifc}.log`);
        let line = '';
        if (row.dhclient !== undefined) line = await dhclientLease(net.client, ifc, served.dir, row);
        else {
          try {
            udhcpcOnce(net.client.name, ifc, join(served.dir, 'udhcpc.sh'), log, [...row.flags, '-O', '17']);
          } catch {
            // no lease: the row shows it
          }
          line = (await readFile(log, 'utf8').catch(() => '')).split('\n').find((l) => l.startsWith('bound ')) ?? '';
        }
        const field = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1] ?? '';
        into.set(row.client, {
          ip: field('ip'),
          boot: field('bootfile') || field('boot_file'),
          rootPath: field('rootpath'),
        });
        net.client.exec('ip', 'link', 'del', ifc);
      }
    }

    beforeAll(async () => {
      net = topology();
      served = await serveInNs(net.server, {
        prefix: 'bmcemu-dhcp-tagexpr-',
        config: OURS,
        udhcpcScript:
          '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip bootfile=$bootfile boot_file=$boot_file rootpath=$rootpath" >> "$LOG"\nexit 0\n',
        ready: [/dhcp server/],
      });
      await runRows(seen.ours);
      const exited = new Promise((r) => served.proc.once('exit', r));
      served.proc.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);

      const dnsmasq = net.server.spawn('dnsmasq', [
        '--no-daemon',
        '--conf-file=/dev/null',
        '--port=0',
        '--interface=br0',
        '--bind-interfaces',
        `--dhcp-leasefile=${join(served.dir, 'dnsmasq.leases')}`,
        `--pid-file=${join(served.dir, 'dnsmasq.pid')}`,
        '--log-dhcp',
        // dnsmasq pings an address for up to 3 s before offering it; nothing else is on this bridge
        '--no-ping',
        ...DNSMASQ_RULES,
      ]);
      let log = '';
      dnsmasq.stderr?.on('data', (d) => (log += d));
      const until = Date.now() + 10_000;
      while (!/DHCP, IP range/.test(log)) {
        if (Date.now() > until || dnsmasq.exitCode !== null) throw new Error(`dnsmasq did not start: ${log}`);
        await sleep(50);
      }
      await runRows(seen.dnsmasq);
      const table = ROWS.map((r) => {
        const o = seen.ours.get(r.client);
        const d = seen.dnsmasq.get(r.client);
        return `${r.client.padEnd(32)} ours: ${o?.boot || '-'} ${o?.rootPath || '-'} | dnsmasq: ${d?.boot || '-'} ${d?.rootPath || '-'}`;
      });
      console.log(`tag expression parity (boot file, root-path):\n${table.join('\n')}`);
    });

    afterAll(async () => {
      net?.destroy();
      await served?.cleanup();
    });

    it('each server really served its run: every leased MAC is in its own lease file, the ignored one in neither', async () => {
      const ours = await readFile(join(served.dir, 'state/dhcp-leases-br0.txt'), 'utf8');
      const theirs = await readFile(join(served.dir, 'dnsmasq.leases'), 'utf8');
      for (const row of ROWS) {
        const leased = row.ip !== '';
        expect(new RegExp(`^bound ${row.mac} `, 'm').test(ours), `ours ${row.mac}`).toBe(leased);
        expect(theirs.includes(` ${row.mac} `), `dnsmasq ${row.mac}`).toBe(leased);
      }
    });

    for (const row of ROWS) {
      const what = row.ip === '' ? 'no answer' : `boot file ${row.boot || '(none)'}, root-path ${row.rootPath}`;
      it(`${row.client}: ${what}, from both servers`, () => {
        for (const server of ['ours', 'dnsmasq'] as const) {
          const got = seen[server].get(row.client);
          expect(got?.ip, `${server} leased`).toMatch(
            row.ip !== undefined ? new RegExp(`^${row.ip.replace(/\./g, '\\.')}$`) : /^172\.30\.0\.1\d\d$/,
          );
          expect({ boot: got?.boot, rootPath: got?.rootPath }, server).toEqual({
            boot: row.boot,
            rootPath: row.rootPath,
          });
        }
      });
    }
  },
);
