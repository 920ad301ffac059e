/**
 * The PXE run driven through a BMC front end, as Ironic would: a libvirt domain (private libvirtd in a test-made
 * namespace) is told over Redfish "boot override Pxe, Once" + "Reset On"; it then boots from OUR DHCP + TFTP +
 * boot HTTP in that namespace, all the way to Debian's netboot kernel printing our marker argument on serial.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedSettings, silentLogger } from '@bmc-emu/core';
import { createLibvirtDriver, type LibvirtDriver } from '@bmc-emu/libvirt';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  TEST_DOMAIN_PREFIX,
  virsh,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';
import { fileExists, requirePeers } from './support/peers.js';
import { type PxeStack, startPxeStack } from './support/pxe-stack.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const NETBOOT = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64';
const SERVER = '172.31.77.1'; // br0 of startLibvirtd()'s namespace
const MAC = '52:54:00:7e:e2:0f';
const BOOT_TIMEOUT_MS = 150_000;

const netboot = requirePeers('PXE through Redfish (Debian netboot kernel)', [
  fileExists(`${NETBOOT}/linux`, 'debian-installer-12-netboot-amd64'),
]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const basic = `Basic ${Buffer.from('admin:password').toString('base64')}`;

libvirtPeers.describe('PXE end-to-end driven through Redfish (libvirt)', () =>
  netboot.describe('Redfish boot override Pxe + Reset On', () => {
    let lv: Libvirtd | undefined;
    let driver: LibvirtDriver | undefined;
    let redfish: RedfishServer | undefined;
    let stack: PxeStack | undefined;
    let dir = '';
    let name = '';
    let uuid = '';

    const logs = () =>
      (stack?.stderr() ?? '')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    beforeAll(async () => {
      execFileSync('npx', ['tsc', '-b', 'packages/dhcp', 'packages/tftp', 'packages/boot-http'], {
        cwd: REPO,
        stdio: 'ignore',
        timeout: 120_000,
      });
      dir = mkdtempSync(join(tmpdir(), 'bmcemu-pxerf-'));
      chmodSync(dir, 0o755);
      lv = await startLibvirtd();
      const cfg = {
        interface: 'br0',
        serverAddress: SERVER,
        subnet: '172.31.77.0/24',
        rangeStart: '172.31.77.100',
        rangeEnd: '172.31.77.150',
        httpPort: 8080,
        wwwDir: NETBOOT,
        ipxeDir: '/usr/lib/ipxe',
        http: {
          nodes: {
            [MAC]: { kernel: 'linux', initrd: ['initrd.gz'], args: ['console=ttyS0', 'bmcemu.marker=REDFISH-PXE'] },
          },
        },
      };
      stack = await startPxeStack(lv.netns, cfg);
      const disk = join(dir, 'disk.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
      name = `${TEST_DOMAIN_PREFIX}pxe-${process.pid % 10000}`;
      const xml = readFileSync(join(REPO, 'fixtures/ipxe/pxe-node.xml'), 'utf8')
        .replace(/<!--[\s\S]*?-->\n/, '')
        .replace('{{NAME}}', name)
        .replace('{{DISK}}', disk)
        .replace('{{MAC}}', MAC)
        .replace('{{LOG}}', join(dir, 'serial.log'));
      writeFileSync(join(dir, 'domain.xml'), xml);
      virsh('define', join(dir, 'domain.xml'));
      uuid = virsh('domuuid', name).trim();
      driver = await createLibvirtDriver({ uris: [lv.uri], pollIntervalMs: 1000 });
      const settings = redfishSection.parse({ tls: false, port: 0 });
      const shared = sharedSettings({ stateDir: join(dir, 'state') });
      redfish = new RedfishServer({ driver, settings, shared, logger: silentLogger(), host: '127.0.0.1', port: 0 });
      await redfish.start();
    }, LIBVIRTD_SETUP_MS);

    afterAll(async () => {
      try {
        virsh('destroy', name);
      } catch {}
      await redfish?.stop();
      await driver?.close();
      stack?.stop();
      await lv?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${redfish!.url.replace(/\/redfish\/v1$/, '')}${path}`, {
        method,
        headers: { Authorization: basic, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    it(
      'PATCH Boot {Pxe, Once} + Reset On: the domain PXE-boots from our servers into the Debian kernel',
      async () => {
        const sys = `/redfish/v1/Systems/${uuid}`;
        expect((await call('GET', sys)).body.PowerState).toBe('Off');
        const boot = await call('PATCH', sys, {
          Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' },
        });
        expect(boot.status, JSON.stringify(boot.body)).toBe(200);
        const reset = await call('POST', `${sys}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
        expect([202, 204]).toContain(reset.status);

        const serialPath = join(dir, 'serial.log');
        let serial = '';
        const deadline = Date.now() + BOOT_TIMEOUT_MS;
        while (!/Command line: .*bmcemu\.marker=REDFISH-PXE/.test(serial) && Date.now() < deadline) {
          await sleep(1000);
          if (existsSync(serialPath)) serial = readFileSync(serialPath, 'latin1');
        }
        const access = logs().filter((l) => l.msg === 'boot-http request' && l.mac === MAC);
        expect(serial, `serial:\n${serial.slice(-1500)}\naccess:\n${JSON.stringify(access)}`).toMatch(
          /Command line: initrd=main console=ttyS0 bmcemu\.marker=REDFISH-PXE/,
        );
        expect(serial).not.toMatch(/Booting from Hard Disk/);
        const dhcp = logs().filter((l) => l.mac === MAC && typeof l.msg === 'string' && /^ACK /.test(l.msg));
        expect(dhcp.length).toBeGreaterThanOrEqual(1);
        expect(access.map((l) => [String(l.path).replace(/\?.*/, ''), l.status])).toEqual(
          expect.arrayContaining([
            [`/boot/${MAC.replaceAll(':', '-')}.ipxe`, 200],
            ['/files/linux', 200],
            ['/files/initrd.gz', 200],
          ]),
        );
        expect((await call('GET', sys)).body.PowerState).toBe('On');
        await call('POST', `${sys}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
      },
      BOOT_TIMEOUT_MS + 30_000,
    );
  }),
);
