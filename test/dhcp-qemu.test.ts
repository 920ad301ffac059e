/**
 * A real VM (qemu TCG, SeaBIOS + the NIC's iPXE ROM) asks our DHCP server, gets the HTTP URL of its
 * iPXE script (not iPXE again: no boot loop) and fetches it. The HTTP side is a few lines in the test so
 * that this checks DHCP alone; the full PXE chain is the TFTP / boot HTTP end-to-end test's job.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ServerProcess, sleep, startDhcp } from '../packages/dhcp/test/netns-harness.js';
import { NetNs } from './support/netns.js';
import { command, fileExists, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp qemu', [
  root(),
  command('qemu-system-x86_64', 'qemu-system-x86'),
  fileExists('/usr/share/seabios/bios.bin', 'seabios'),
  fileExists('/usr/lib/ipxe/qemu/efi-virtio.rom', 'ipxe-qemu'),
]);

const MAC = '52:54:00:aa:bb:01';

gate.describe('qemu SeaBIOS + iPXE ROM boots from our DHCP answer', () => {
  let ns: NetNs;
  let dhcp: ServerProcess;
  let dir: string;
  let httpLog = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-qemu-'));
    ns = new NetNs('dhq');
    ns.addBridge('br0', '172.30.0.1/24');
    ns.exec('ip', 'tuntap', 'add', 'tap0', 'mode', 'tap');
    ns.exec('ip', 'link', 'set', 'tap0', 'master', 'br0', 'up');
    dhcp = await startDhcp(ns, {
      mode: 'server',
      interface: 'br0',
      subnet: '172.30.0.0/24',
      rangeStart: '172.30.0.100',
      rangeEnd: '172.30.0.199',
      leaseTimeSec: 600,
      leaseFile: join(dir, 'leases.txt'),
      bootPolicy: { httpBaseUrl: 'http://172.30.0.1:8080' },
    });
    const http = ns.spawn(process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => { console.log('GET ' + q.url); s.end('#!ipxe\\necho BOOTED\\n'); }).listen(8080, '172.30.0.1', () => console.log('LISTENING'));`,
    ]);
    http.stdout?.on('data', (d) => {
      httpLog += d;
    });
    while (!httpLog.includes('LISTENING')) await sleep(50);
  });

  afterAll(async () => {
    await dhcp?.stop();
    ns?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('the VM gets the boot.ipxe URL by DHCP and fetches it over HTTP', async () => {
    ns.spawn('qemu-system-x86_64', [
      '-accel',
      'tcg',
      '-m',
      '256',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'none',
      '-boot',
      'n',
      '-no-reboot',
      '-netdev',
      'tap,id=n0,ifname=tap0,script=no,downscript=no',
      '-device',
      `virtio-net-pci,netdev=n0,mac=${MAC}`,
    ]);
    const until = Date.now() + 90_000;
    while (!httpLog.includes('GET /boot.ipxe')) {
      if (Date.now() > until) {
        throw new Error(`VM never fetched its script; DHCP log:\n${dhcp.messages().join('\n')}\nHTTP:\n${httpLog}`);
      }
      await sleep(250);
    }
    const vm = dhcp.logs().filter((l) => l.mac === MAC);
    expect(vm.map((l) => l.type)).toEqual(expect.arrayContaining(['DISCOVER', 'REQUEST']));
    const ack = vm.find((l) => l.type === 'REQUEST')!;
    expect(ack.msg).toMatch(/^ACK 172\.30\.0\.1\d\d http http:\/\/172\.30\.0\.1:8080\/boot\.ipxe$/);
    expect(ack.arch).toBe(0);
    // never handed iPXE a TFTP binary (the boot loop the policy exists to prevent)
    expect(vm.some((l) => /tftp/.test(String(l.msg)))).toBe(false);
  }, 120_000);
});
