/**
 * End-to-end PXE with OUR servers only (DhcpServer + TftpServer + BootHttpServer, no dnsmasq, no nginx), in a
 * test-made network namespace, against real firmware in qemu (TCG):
 *  - BIOS: SeaBIOS + the NIC's iPXE ROM -> DHCP (user class iPXE) -> /boot.ipxe -> per-MAC script -> Debian's
 *    netboot kernel + initrd over HTTP -> the kernel's own boot messages (with our marker argument) on serial.
 *  - UEFI: OVMF's own PXE (romfile=) -> DHCP arch 7 -> TFTP snponly.efi (tsize probe, ERROR 8, re-request)
 *    -> iPXE -> DHCP user class iPXE -> /boot.ipxe -> per-MAC script whose `echo` marker reaches the serial log.
 * Both VMs run at once to keep the suite short; each is killed as soon as its marker is seen.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetNs } from './support/netns.js';
import { type PxeStack, startPxeStack } from './support/pxe-stack.js';
import { command, fileExists, requirePeers, root } from './support/peers.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const NETBOOT = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64';
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const SERVER = '172.30.0.1';
const BIOS_MAC = '52:54:00:e2:e0:01';
const UEFI_MAC = '52:54:00:e2:e0:03';
const VM_TIMEOUT_MS = 170_000;

const gate = requirePeers('qemu PXE end-to-end', [
  root(),
  command('qemu-system-x86_64', 'qemu-system-x86'),
  fileExists('/usr/lib/ipxe/snponly.efi', 'ipxe'),
  fileExists('/usr/lib/ipxe/qemu/efi-virtio.rom', 'ipxe-qemu'),
  fileExists(OVMF_CODE, 'ovmf'),
  fileExists(`${NETBOOT}/linux`, 'debian-installer-12-netboot-amd64'),
]);

type LogLine = Record<string, unknown> & { msg?: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

gate.describe('PXE end-to-end with our DHCP + TFTP + HTTP (qemu TCG)', () => {
  let ns: NetNs;
  let dir: string;
  let stack: PxeStack | undefined;
  const vms: ChildProcess[] = [];
  let biosVm: Promise<string>;
  let uefiVm: Promise<string>;

  const logs = (): LogLine[] =>
    (stack?.stderr() ?? '')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const access = (mac: string) =>
    logs().filter((l) => l.msg === 'boot-http request' && l.mac === mac) as Array<
      LogLine & { path: string; status: number; bytes: number }
    >;

  /** Start a VM; resolve with its serial log once `marker` shows up, then kill it. */
  function runVm(name: string, args: string[], marker: RegExp): Promise<string> {
    const serial = join(dir, `${name}.serial.log`);
    const vm = ns.spawn('qemu-system-x86_64', [
      '-accel',
      'tcg',
      '-display',
      'none',
      '-monitor',
      'none',
      '-no-reboot',
      '-boot',
      'n',
      '-serial',
      `file:${serial}`,
      ...args,
    ]);
    vms.push(vm);
    let out = '';
    vm.stderr?.on('data', (d) => {
      out += d;
    });
    return (async () => {
      const deadline = Date.now() + VM_TIMEOUT_MS;
      for (;;) {
        const text = existsSync(serial) ? readFileSync(serial, 'latin1') : '';
        if (marker.test(text)) {
          vm.kill('SIGKILL');
          return text;
        }
        if (vm.exitCode !== null || Date.now() > deadline) {
          vm.kill('SIGKILL');
          throw new Error(`${name} VM: no ${marker} on serial (exit ${vm.exitCode}) ${out}\n${text.slice(-2000)}`);
        }
        await sleep(500);
      }
    })();
  }

  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-b', 'packages/dhcp', 'packages/tftp', 'packages/boot-http'], {
      cwd: REPO,
      stdio: 'ignore',
      timeout: 120_000,
    });
    dir = mkdtempSync(join(tmpdir(), 'bmcemu-pxe-e2e-'));
    ns = new NetNs('pxe');
    ns.addBridge('br0', `${SERVER}/24`);
    for (const tap of ['tap0', 'tap1']) {
      ns.exec('ip', 'tuntap', 'add', tap, 'mode', 'tap');
      ns.exec('ip', 'link', 'set', tap, 'master', 'br0', 'up');
    }
    const cfg = {
      interface: 'br0',
      serverAddress: SERVER,
      subnet: '172.30.0.0/24',
      rangeStart: '172.30.0.100',
      rangeEnd: '172.30.0.150',
      httpPort: 8080,
      wwwDir: NETBOOT,
      ipxeDir: '/usr/lib/ipxe',
      templatesDir: join(REPO, 'fixtures/ipxe'),
      http: {
        roles: { installer: { kernel: 'linux', initrd: ['initrd.gz'], args: ['console=ttyS0', 'priority=critical'] } },
        nodes: {
          [BIOS_MAC]: { role: 'installer', args: ['console=ttyS0', 'bmcemu.marker=BIOS-E2E'] },
          [UEFI_MAC]: { role: 'uefi', template: 'marker.ipxe.tpl' },
        },
      },
    };
    stack = await startPxeStack(ns, cfg);
    copyFileSync(OVMF_VARS, join(dir, 'vars.fd'));
    biosVm = runVm(
      'bios',
      [
        '-m',
        '512',
        '-netdev',
        'tap,id=n0,ifname=tap0,script=no,downscript=no',
        '-device',
        `virtio-net-pci,netdev=n0,mac=${BIOS_MAC}`,
      ],
      /Command line: .*bmcemu\.marker=BIOS-E2E/,
    );
    uefiVm = runVm(
      'uefi',
      [
        '-machine',
        'q35',
        '-m',
        '512',
        '-drive',
        `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
        '-drive',
        `if=pflash,format=raw,file=${join(dir, 'vars.fd')}`,
        '-netdev',
        'tap,id=n1,ifname=tap1,script=no,downscript=no',
        '-device',
        `virtio-net-pci,netdev=n1,mac=${UEFI_MAC},romfile=`,
      ],
      /BMCEMU-MARKER 52:54:00:e2:e0:03 efi uefi/,
    );
    // keep both promises observed so an early failure is not an unhandled rejection
    biosVm.catch(() => undefined);
    uefiVm.catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    for (const vm of vms) if (vm.exitCode === null) vm.kill('SIGKILL');
    stack?.stop();
    await sleep(300);
    ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'BIOS: iPXE ROM gets a lease and its per-MAC script, then boots the Debian kernel + initrd fetched over HTTP',
    async () => {
      const serial = await biosVm;
      // the kernel ran with the arguments our per-MAC script gave it, and unpacked our initrd
      expect(serial).toMatch(/Linux version \d/);
      expect(serial).toMatch(/Command line: .*initrd=main .*console=ttyS0 bmcemu\.marker=BIOS-E2E/);
      const dhcp = logs().filter((l) => l.mac === BIOS_MAC && typeof l.msg === 'string' && /^ACK /.test(l.msg));
      expect(
        dhcp.some((l) => l.msg === `ACK ${(dhcp[0]?.msg ?? '').split(' ')[1]} http http://${SERVER}:8080/boot.ipxe`),
      ).toBe(true);
      const paths = access(BIOS_MAC).map((l) => [l.path.replace(/\?.*/, ''), l.status]);
      expect(paths).toEqual(
        expect.arrayContaining([
          ['/boot/52-54-00-e2-e0-01.ipxe', 200],
          ['/files/linux', 200],
          ['/files/initrd.gz', 200],
        ]),
      );
      const sizes = Object.fromEntries(access(BIOS_MAC).map((l) => [l.path, l.bytes]));
      expect(sizes['/files/linux']).toBe(readFileSync(`${NETBOOT}/linux`).length);
      expect(sizes['/files/initrd.gz']).toBe(readFileSync(`${NETBOOT}/initrd.gz`).length);
    },
    VM_TIMEOUT_MS + 10_000,
  );

  it(
    'UEFI: OVMF PXE (arch 7) -> TFTP snponly.efi with the tsize probe -> iPXE -> HTTP script whose echo reaches serial',
    async () => {
      const serial = await uefiVm;
      expect(serial).toContain(`Filename: http://${SERVER}:8080/boot.ipxe`);
      const mine = logs().filter((l) => l.mac === UEFI_MAC);
      const acks = mine.filter((l) => typeof l.msg === 'string' && /ACK /.test(l.msg)).map((l) => [l.arch, l.msg]);
      // first the firmware (arch 7) gets the TFTP binary, then iPXE gets the HTTP script
      expect(acks.find(([, m]) => String(m).endsWith('tftp snponly.efi'))?.[0]).toBe(7);
      expect(acks.some(([, m]) => String(m).endsWith(`http http://${SERVER}:8080/boot.ipxe`))).toBe(true);
      const tftp = logs().filter((l) => l.component === 'tftp' && l.file === 'snponly.efi');
      expect(tftp.some((l) => /UEFI size probe/.test(String(l.msg)))).toBe(true);
      const done = tftp.filter((l) => l.msg === 'tftp transfer complete');
      expect(done.length).toBeGreaterThanOrEqual(1);
      expect(done[0]?.bytes).toBe(readFileSync('/usr/lib/ipxe/snponly.efi').length);
      expect(logs().some((l) => l.component === 'tftp' && l.level === 40)).toBe(false); // the probe is not a warning
      // the VM is killed as soon as the script's echo is on serial; the server's access line can come a little later
      const scriptFetched = () =>
        access(UEFI_MAC).some((l) => l.path.replace(/\?.*/, '') === '/boot/52-54-00-e2-e0-03.ipxe');
      for (let i = 0; i < 100 && !scriptFetched(); i++) await sleep(100);
      expect(access(UEFI_MAC).map((l) => l.path.replace(/\?.*/, ''))).toEqual(
        expect.arrayContaining(['/boot/52-54-00-e2-e0-03.ipxe']),
      );
    },
    VM_TIMEOUT_MS + 10_000,
  );
});
