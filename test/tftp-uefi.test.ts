/**
 * Real UEFI firmware against our TFTP server: OVMF's own PXE client (qemu TCG, `romfile=` keeps the NIC's
 * iPXE ROM out) gets a lease from our DHCP server (arch 7 -> snponly.efi), then over our TFTP asks
 * `tsize` first, aborts with ERROR 8, re-requests and loads iPXE. The probe must be logged at debug only
 * and the binary must arrive whole. (The full chain on to HTTP is the boot-http end-to-end test's job.)
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeEngineAvailable } from '@bmc-emu/tftp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ServerProcess, sleep, startDhcp } from '../packages/dhcp/test/netns-harness.js';
import { NetNs } from './support/netns.js';
import { command, fileExists, requirePeers, root } from './support/peers.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SERVE = join(REPO, 'fixtures/tftp/serve.mjs');
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const SNPONLY = '/usr/lib/ipxe/snponly.efi';
const MAC = '52:54:00:aa:bb:0e';

const gate = requirePeers('tftp uefi', [
  root(),
  command('qemu-system-x86_64', 'qemu-system-x86'),
  fileExists(OVMF_CODE, 'ovmf'),
  fileExists(SNPONLY, 'ipxe'),
]);

gate.describe('OVMF PXE fetches snponly.efi from our TFTP (tsize probe, ERROR 8, re-request)', () => {
  let ns: NetNs | undefined;
  let dhcp: ServerProcess | undefined;
  let tftp: ChildProcess | undefined;
  let dir: string;
  let tftpOut = '';
  let tftpErr = '';

  beforeAll(async () => {
    execFileSync('flock', ['/tmp/bmcemu-dhcp-build.lock', 'npx', 'tsc', '-b', 'packages/tftp'], {
      cwd: REPO,
      stdio: 'ignore',
      timeout: 120_000,
    });
    dir = mkdtempSync(join(tmpdir(), 'tftp-uefi-'));
    ns = new NetNs('tfu');
    ns.addBridge('br0', '172.30.8.1/24');
    ns.exec('ip', 'tuntap', 'add', 'tap0', 'mode', 'tap');
    ns.exec('ip', 'link', 'set', 'tap0', 'master', 'br0', 'up');
    tftp = ns.spawn(process.execPath, [
      SERVE,
      '--bind',
      '172.30.8.1',
      '--port',
      '69',
      '--ipxe',
      '/usr/lib/ipxe',
      '--log',
      'debug',
    ]);
    tftp.stdout?.on('data', (d) => {
      tftpOut += d;
    });
    tftp.stderr?.on('data', (d) => {
      tftpErr += d;
    });
    while (!tftpOut.includes('READY')) {
      if (tftp.exitCode !== null) throw new Error(`tftp server exited: ${tftpErr}`);
      await sleep(50);
    }
    dhcp = await startDhcp(ns, {
      mode: 'server',
      interface: 'br0',
      subnet: '172.30.8.0/24',
      rangeStart: '172.30.8.100',
      rangeEnd: '172.30.8.199',
      leaseTimeSec: 600,
      leaseFile: join(dir, 'leases.txt'),
      bootPolicy: { httpBaseUrl: 'http://172.30.8.1:8080' },
    });
  });

  afterAll(async () => {
    await dhcp?.stop();
    ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const logs = () =>
    tftpErr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; file?: string; bytes?: number });

  it('probe logged at debug, then the whole binary, then iPXE runs', { timeout: 200_000 }, async () => {
    const vars = join(dir, 'vars.fd');
    copyFileSync(OVMF_VARS, vars);
    const serial = join(dir, 'serial.log');
    ns!.spawn('qemu-system-x86_64', [
      ...['-accel', 'tcg', '-machine', 'q35', '-m', '512', '-display', 'none', '-monitor', 'none'],
      ...['-serial', `file:${serial}`, '-no-reboot', '-boot', 'n'],
      ...[
        '-drive',
        `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
        '-drive',
        `if=pflash,format=raw,file=${vars}`,
      ],
      ...['-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no'],
      ...['-device', `virtio-net-pci,netdev=n0,mac=${MAC},romfile=`],
    ]);
    const until = Date.now() + 180_000;
    while (!logs().some((l) => l.msg === 'tftp transfer complete') && Date.now() < until) await sleep(250);
    const iPxeUntil = Date.now() + 20_000;
    const serialText = () => {
      try {
        return readFileSync(serial, 'latin1');
      } catch {
        return '';
      }
    };
    while (!serialText().includes('iPXE') && Date.now() < iPxeUntil) await sleep(250);

    const all = logs();
    const probe = all.filter((l) => /UEFI size probe/.test(l.msg));
    const done = all.filter((l) => l.msg === 'tftp transfer complete');
    console.log(`UEFI: ${probe.length} size probe(s), ${done.length} complete transfer(s) of ${done[0]?.bytes} bytes`);
    // serve.mjs runs the default engine: native whenever the addon is built
    expect(tftpOut).toMatch(nativeEngineAvailable() ? /engine=native/ : /engine=js/);
    expect(probe.length).toBeGreaterThanOrEqual(1);
    expect(probe.every((l) => l.level === 20 && l.file === 'snponly.efi')).toBe(true);
    expect(done[0]).toMatchObject({ file: 'snponly.efi', bytes: statSync(SNPONLY).size });
    expect(all.filter((l) => l.level >= 40)).toEqual([]);
    expect(serialText()).toContain('iPXE');
  });
});
