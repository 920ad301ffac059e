/**
 * Real libvirt in a test-made namespace: Redfish virtual media inserts Debian's ipxe.iso (through the image cache),
 * boot override Cd + Reset On, and the TCG guest boots that CD (SeaBIOS says so on the logged serial console).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import { sharedSettings, silentLogger } from '@bmc-emu/core';
import { createLibvirtDriver, type LibvirtDriver } from '@bmc-emu/libvirt';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { basic, type ImageServer, IPXE_ISO, startImageServer } from '../packages/redfish/test/harness.js';
import {
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  TEST_DOMAIN_PREFIX,
  virsh,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';
import { fileExists, requirePeers } from './support/peers.js';

const ipxe = requirePeers('redfish VM boot (ipxe.iso)', [fileExists(IPXE_ISO, 'ipxe')]);

libvirtPeers.describe('Redfish boots a libvirt VM from virtual media', () =>
  ipxe.describe('ipxe.iso via Redfish', () => {
    let lv: Libvirtd | undefined;
    let driver: LibvirtDriver | undefined;
    let server: RedfishServer | undefined;
    let images: ImageServer | undefined;
    let dir = '';
    let name = '';
    let uuid = '';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bmcemu-rfvm-'));
      chmodSync(dir, 0o755);
      lv = await startLibvirtd();
      const disk = join(dir, 'disk.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
      name = `${TEST_DOMAIN_PREFIX}redfish-${process.pid % 10000}`;
      const xml = readFileSync(new URL('../fixtures/redfish/vm-node.xml', import.meta.url), 'utf8')
        .replace(/<!--[\s\S]*?-->\n/, '')
        .replace('{{NAME}}', name)
        .replace('{{DISK}}', disk)
        .replace('{{MAC}}', '52:54:00:7e:f0:01')
        .replace('{{LOG}}', join(dir, 'serial.log'));
      writeFileSync(join(dir, 'domain.xml'), xml);
      virsh('define', join(dir, 'domain.xml'));
      uuid = virsh('domuuid', name).trim();
      driver = await createLibvirtDriver({ uris: [lv.uri], pollIntervalMs: 1000 });
      images = await startImageServer(dir);
      const settings = redfishSection.parse({ tls: false, port: 0 });
      const shared = sharedSettings({ stateDir: join(dir, 'state') });
      const cache = new MediaCache({ dir: join(dir, 'cache'), maxBytes: 64 * 1024 * 1024, logger: silentLogger() });
      server = new RedfishServer({
        driver,
        settings,
        shared,
        logger: silentLogger(),
        cache,
        host: '127.0.0.1',
        port: 0,
      });
      await server.start();
    }, LIBVIRTD_SETUP_MS);

    afterAll(async () => {
      await server?.stop();
      await driver?.close();
      await images?.close();
      await lv?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server!.url.replace(/\/redfish\/v1$/, '')}${path}`, {
        method,
        headers: { Authorization: basic(), 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    it('insert ipxe.iso + boot override Cd + Reset On boots the CD', async () => {
      const sys = `/redfish/v1/Systems/${uuid}`;
      expect((await call('GET', sys)).body.PowerState).toBe('Off');
      const ins = await call('POST', `/redfish/v1/Managers/${uuid}/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia`, {
        Image: `${images!.url}/ipxe.iso`,
      });
      expect(ins.status, JSON.stringify(ins.body)).toBe(204);
      const vm = await call('GET', `/redfish/v1/Managers/${uuid}/VirtualMedia/Cd`);
      expect(vm.body).toMatchObject({ Inserted: true, Image: `${images!.url}/ipxe.iso` });
      expect(virsh('domblklist', name)).toMatch(/sda\s+\S+/);
      const boot = await call('PATCH', sys, {
        Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' },
      });
      expect(boot.status, JSON.stringify(boot.body)).toBe(200);
      const reset = await call('POST', `${sys}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
      expect([202, 204]).toContain(reset.status);
      let log = '';
      const deadline = Date.now() + 120_000;
      while (!/iPXE ISO boot image/.test(log) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        try {
          log = readFileSync(join(dir, 'serial.log'), 'latin1');
        } catch {}
      }
      expect(log, `serial log:\n${log.slice(-2000)}`).toMatch(/Booting from DVD\/CD/);
      // ISOLINUX of Debian's ipxe.iso announces itself: the bytes the guest booted are the ones we inserted.
      expect(log).toMatch(/iPXE ISO boot image/);
      expect(log).not.toMatch(/Booting from Hard Disk/);
      expect((await call('GET', sys)).body.PowerState).toBe('On');
      const off = await call('POST', `${sys}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
      expect([202, 204]).toContain(off.status);
      const until = Date.now() + 30_000;
      while ((await call('GET', sys)).body.PowerState !== 'Off' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 250));
      expect((await call('GET', sys)).body.PowerState).toBe('Off');
    }, 200_000);

    it('BootSourceOverrideMode switches the domain firmware; SecureBootEnable toggles OVMF secure boot', async () => {
      const sys = `/redfish/v1/Systems/${uuid}`;
      const inactive = () => virsh('dumpxml', '--inactive', name);
      expect((await call('GET', sys)).body.Boot.BootSourceOverrideMode).toBe('Legacy');
      expect((await call('PATCH', `${sys}/SecureBoot`, { SecureBootEnable: true })).status).toBe(409);
      const uefi = await call('PATCH', sys, { Boot: { BootSourceOverrideMode: 'UEFI' } });
      expect(uefi.status, JSON.stringify(uefi.body)).toBe(200);
      expect(uefi.body.Boot.BootSourceOverrideMode).toBe('UEFI');
      expect(inactive()).toMatch(/<os firmware=['"]efi['"]/);
      const sb = await call('PATCH', `${sys}/SecureBoot`, { SecureBootEnable: true });
      expect(sb.status, JSON.stringify(sb.body)).toBe(200);
      expect(sb.body.SecureBootEnable).toBe(true);
      expect(inactive()).toMatch(/<feature enabled=['"]yes['"] name=['"]secure-boot['"]\/>/);
      const off = await call('PATCH', `${sys}/SecureBoot`, { SecureBootEnable: false });
      expect(off.body.SecureBootEnable).toBe(false);
      expect(inactive()).not.toMatch(/<feature enabled=['"]yes['"] name=['"]secure-boot['"]\/>/);
      const legacy = await call('PATCH', sys, { Boot: { BootSourceOverrideMode: 'Legacy' } });
      expect(legacy.body.Boot.BootSourceOverrideMode).toBe('Legacy');
      expect(inactive()).not.toMatch(/firmware=['"]efi['"]/);
    }, 60_000);
  }),
);
