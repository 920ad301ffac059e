/**
 * Virtual media on a remote hypervisor, with two real libvirtds (each its own network + mount namespace,
 * reached over qemu+tcp://). python3-sushy inserts Debian's ipxe.iso for nodes on the "far" host: bmc-emu
 * downloads it into its local cache, uploads it once into a storage pool on that host (vol-create-as +
 * vol-upload over the same connection), and attaches the cdrom by the volume's path, which exists only in
 * that host's mount namespace. The volume's bytes (vol-download) equal the image; the TCG guest boots it
 * (serial marker); eject and domain removal delete the volume once nothing uses it. The "near" host is
 * configured as local (upload: never) and keeps today's path: the cache file itself, no pool.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isBmcEmuError, silentLogger } from '@bmc-emu/core';
import { createHypervisorSet, mediaPlacement, RemoteMediaStore, Virsh } from '@bmc-emu/libvirt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ImageServer, IPXE_ISO, startImageServer } from '../packages/redfish/test/harness.js';
import { configSchema } from '../src/config-schema.js';
import { type RunningServer, startServer } from '../src/serve.js';
import { freePort } from './support/ironic.js';
import { libvirtPeers, TEST_DOMAIN_PREFIX, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { type RunningHosts, startLibvirtdHosts } from './support/libvirtd-hosts.js';
import { logCapture } from './support/log-capture.js';
import { DEBIAN_PYTHON, fileExists, pythonModule, requirePeers } from './support/peers.js';
import { udpFree } from './support/serve-process.js';

const peers = requirePeers('remote virtual media (sushy, ipxe.iso)', [
  pythonModule('sushy'),
  fileExists(IPXE_ISO, 'ipxe'),
]);

const POOL_DIR = '/var/lib/libvirt/images/bmc-emu-media';
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

/** sushy's own VirtualMedia calls (what Ironic's redfish-virtual-media boot interface runs). */
function sushyMedia(base: string, uuid: string, action: 'insert' | 'eject', image = ''): Promise<string> {
  const script = `
import sys, sushy
s = sushy.Sushy(sys.argv[1] + '/redfish/v1', username='admin', password='password', verify=False)
mgr = s.get_manager('/redfish/v1/Managers/' + sys.argv[2])
cd = [m for m in mgr.virtual_media.get_members() if sushy.VirtualMediaType.CD in m.media_types][0]
if sys.argv[3] == 'insert':
    cd.insert_media(sys.argv[4], inserted=True, write_protected=True)
else:
    cd.eject_media()
cd.refresh()
print(cd.inserted, cd.image)
`;
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return new Promise((resolve, reject) =>
    execFile(DEBIAN_PYTHON, ['-c', script, base, uuid, action, image], { timeout: 120_000, env }, (err, out, errOut) =>
      err ? reject(new Error(`sushy ${action}: ${errOut || err.message}`)) : resolve(out.trim()),
    ),
  );
}

libvirtPeers.describe('virtual media on a remote libvirt host', () =>
  peers.describe('sushy InsertMedia, two real libvirtds', () => {
    let hosts: RunningHosts | undefined;
    let server: RunningServer | undefined;
    let images: ImageServer | undefined;
    const capture = logCapture('info');
    let dir = '';
    let base = '';
    let serialLog = '';
    const far: { name: string; uuid: string }[] = [];
    let near: { name: string; uuid: string } | undefined;
    const isoSha = sha256(readFileSync(IPXE_ISO));
    const volPath = `${POOL_DIR}/bmcemu-${isoSha}.img`;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bmcemu-rmedia-'));
      chmodSync(dir, 0o755);
      hosts = await startLibvirtdHosts([{}, {}]);
      near = hosts[0]!.defineDomain('rm-near');
      // the first far node logs its serial console to a file this test can read (SeaBIOS + ISOLINUX)
      const disk = join(dir, 'boot.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
      serialLog = join(dir, 'serial.log');
      const name = `${TEST_DOMAIN_PREFIX}rm-boot-${process.pid % 10000}`;
      const xml = readFileSync(new URL('../fixtures/redfish/vm-node.xml', import.meta.url), 'utf8')
        .replace(/<!--[\s\S]*?-->\n/, '')
        .replace('{{NAME}}', name)
        .replace('{{DISK}}', disk)
        .replace('{{MAC}}', '52:54:00:7e:f1:01')
        .replace('{{LOG}}', serialLog);
      writeFileSync(join(dir, 'boot.xml'), xml);
      hosts[1]!.virsh('define', join(dir, 'boot.xml'));
      far.push({ name, uuid: hosts[1]!.virsh('domuuid', name).trim() }, hosts[1]!.defineDomain('rm-far2'));
      images = await startImageServer(dir);
      const redfishPort = await freePort();
      let ipmiBase = 22000 + (process.pid % 400) * 10;
      while (!(await udpFree(ipmiBase, 3))) ipmiBase += 10;
      const config = configSchema.parse({
        stateDir: join(dir, 'state'),
        log: { level: 'info' },
        redfish: { tls: false, port: redfishPort },
        ipmi: { basePort: ipmiBase },
        driver: {
          kind: 'libvirt',
          pollIntervalMs: 1000,
          hypervisors: [
            { name: 'near', uri: hosts[0]!.tcpUri, media: { upload: 'never' } },
            { name: 'far', uri: hosts[1]!.tcpUri },
          ],
        },
      });
      server = await startServer(config, capture.logger);
      base = `http://127.0.0.1:${redfishPort}`;
    }, LIBVIRTD_SETUP_MS); // may wait for the machine-wide libvirtd lock

    afterAll(async () => {
      await server?.stop();
      await images?.close();
      await hosts?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    const auth = `Basic ${Buffer.from('admin:password').toString('base64')}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const cdSource = (host: number, name: string, inactive = false) => {
      const xml = hosts![host]!.virsh('dumpxml', ...(inactive ? ['--inactive'] : []), name);
      const cd = /<disk[^>]*device=['"]cdrom['"][\s\S]*?<\/disk>/.exec(xml)?.[0] ?? '';
      return /<source file=['"]([^'"]+)['"]/.exec(cd)?.[1];
    };
    const volumes = () =>
      hosts![1]!
        .virsh('vol-list', 'bmc-emu-media')
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter((n) => n.startsWith('bmcemu-'));
    const uploads = () => capture.lines.filter((l) => l.msg === 'media: uploading an image to the hypervisor').length;
    /** `what` may be a function: it is then asked at the timeout, so it can describe the state seen last. */
    const until = async (cond: () => boolean | Promise<boolean>, ms: number, what: string | (() => string)) => {
      const deadline = Date.now() + ms;
      while (!(await cond())) {
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    it('sushy InsertMedia on the far host: the cdrom points at a pool volume holding the image bytes', async () => {
      const out = await sushyMedia(base, far[0]!.uuid, 'insert', `${images!.url}/ipxe.iso`);
      expect(out).toBe(`True ${images!.url}/ipxe.iso`);
      expect(cdSource(1, far[0]!.name)).toBe(volPath);
      expect(cdSource(1, far[0]!.name, true)).toBe(volPath);
      // the volume lives in the far host's own mount namespace, not on this machine's filesystem
      expect(existsSync(volPath)).toBe(false);
      expect(volumes()).toEqual([`bmcemu-${isoSha}.img`]);
      const copy = join(dir, 'downloaded.img');
      hosts![1]!.virsh('vol-download', '--pool', 'bmc-emu-media', `bmcemu-${isoSha}.img`, copy);
      expect(sha256(readFileSync(copy))).toBe(isoSha);
      expect(uploads()).toBe(1);
      const done = capture.lines.find((l) => l.msg === 'media: uploaded');
      console.log(`remote media: ${String(done?.bytes)} bytes uploaded in ${String(done?.ms)} ms`);
      const vm = await call('GET', `/redfish/v1/Managers/${far[0]!.uuid}/VirtualMedia/Cd`);
      expect(vm.body).toMatchObject({ Inserted: true, Image: `${images!.url}/ipxe.iso` });
    }, 180_000);

    it('the same image for a second node on that host is not uploaded again', async () => {
      const out = await sushyMedia(base, far[1]!.uuid, 'insert', `${images!.url}/ipxe.iso`);
      expect(out).toMatch(/^True /);
      expect(cdSource(1, far[1]!.name, true)).toBe(volPath);
      expect(uploads()).toBe(1);
      expect(volumes()).toHaveLength(1);
    }, 120_000);

    it('the TCG guest on the far host boots the uploaded CD (SeaBIOS/ISOLINUX on its serial log)', async () => {
      const sys = `/redfish/v1/Systems/${far[0]!.uuid}`;
      const boot = await call('PATCH', sys, {
        Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' },
      });
      expect(boot.status, JSON.stringify(boot.body)).toBe(200);
      const reset = await call('POST', `${sys}/Actions/ComputerSystem.Reset`, { ResetType: 'On' });
      expect([202, 204], JSON.stringify(reset.body)).toContain(reset.status);
      let log = '';
      await until(
        () => {
          log = existsSync(serialLog) ? readFileSync(serialLog, 'latin1') : '';
          return /iPXE ISO boot image/.test(log);
        },
        // TCG on two shared cores: the banner can take minutes while other suites load the machine
        240_000,
        () => {
          let state = '?';
          try {
            state = hosts![1]!.virsh('domstate', far[0]!.name).trim();
          } catch {}
          return `the ISO's boot banner on the serial log (domain ${state}; so far:\n${log.slice(-1500)})`;
        },
      );
      expect(log).toMatch(/Booting from DVD\/CD/);
      expect(cdSource(1, far[0]!.name)).toBe(volPath);
      const off = await call('POST', `${sys}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
      expect([202, 204]).toContain(off.status);
      await until(() => hosts![1]!.virsh('domstate', far[0]!.name).trim() === 'shut off', 30_000, 'the guest off');
    }, 300_000);

    it('eject keeps a volume another node uses; removing that node deletes it', async () => {
      expect(await sushyMedia(base, far[0]!.uuid, 'eject')).toMatch(/^False/);
      expect(cdSource(1, far[0]!.name, true)).toBeUndefined();
      await new Promise((r) => setTimeout(r, 4_000)); // longer than the collection delay
      expect(volumes()).toHaveLength(1);
      hosts![1]!.virsh('undefine', far[1]!.name);
      await until(() => volumes().length === 0, 20_000, 'the unused volume to be collected');
      // the log line follows the delete: it may come a moment after virsh shows the volume gone
      await until(() => capture.lines.some((l) => l.msg === 'media: volume removed'), 10_000, 'the removal logged');
    }, 60_000);

    it('eject of the last user deletes the volume; a re-insert uploads it again', async () => {
      await sushyMedia(base, far[0]!.uuid, 'insert', `${images!.url}/ipxe.iso`);
      expect(uploads()).toBe(2);
      expect(volumes()).toHaveLength(1);
      await sushyMedia(base, far[0]!.uuid, 'eject');
      await until(() => volumes().length === 0, 20_000, 'the ejected volume to be collected');
    }, 120_000);

    it('a host configured as local keeps the local path: the cache file, no pool', async () => {
      const out = await sushyMedia(base, near!.uuid, 'insert', `${images!.url}/ipxe.iso`);
      expect(out).toMatch(/^True /);
      expect(cdSource(0, near!.name, true)).toBe(join(dir, 'state', 'media', 'blobs', isoSha));
      expect(hosts![0]!.virsh('pool-list', '--all', '--name')).not.toMatch(/bmc-emu-media/);
      expect(uploads()).toBe(2);
      await sushyMedia(base, near!.uuid, 'eject');
    }, 120_000);

    it('two inserts of one image at once share one upload; a held volume is never collected', async () => {
      const h = hosts![1]!;
      const store = new RemoteMediaStore({
        virsh: new Virsh({ uri: h.tcpUri }),
        placement: mediaPlacement({ pool: 'bmcemu-t-store', poolPath: '/var/lib/libvirt/images/bmcemu-t-store' }),
        host: h.ip,
        logger: silentLogger(),
        inUse: () => new Set(),
      });
      const [a, b] = await Promise.all([store.place(IPXE_ISO), store.place(IPXE_ISO)]);
      expect(store.uploads).toBe(1);
      expect(a.path).toBe(b.path);
      expect(a.sha256).toBe(isoSha);
      a.release();
      expect(await store.collect()).toEqual([]); // b still holds it
      b.release();
      expect(await store.collect()).toEqual([`bmcemu-${isoSha}.img`]);
      expect(h.virsh('vol-list', 'bmcemu-t-store').trim()).toBe('');
      // gone from the host, so the next place uploads it again
      (await store.place(IPXE_ISO)).release();
      expect(store.uploads).toBe(2);
    }, 60_000);

    it('an existing dir pool whose directory is gone is built again, and used', async () => {
      const h = hosts![1]!;
      h.virsh('pool-define-as', 'bmcemu-t-predef', 'dir', '--target', '/var/lib/libvirt/images/bmcemu-t-predef');
      const set = await createHypervisorSet({
        hypervisors: [
          {
            name: 'far-predef',
            uri: h.tcpUri,
            timeoutMs: 4000,
            commandTimeoutMs: 20_000,
            media: { pool: 'bmcemu-t-predef' },
          },
        ],
      });
      try {
        await set.insertMedia(far[0]!.uuid, 'Cd', { kind: 'path', path: IPXE_ISO, image: 'http://x/ipxe.iso' });
        expect(cdSource(1, far[0]!.name, true)).toBe(`/var/lib/libvirt/images/bmcemu-t-predef/bmcemu-${isoSha}.img`);
        expect(h.virsh('pool-info', 'bmcemu-t-predef')).toMatch(/State:\s+running/);
        await set.ejectMedia(far[0]!.uuid, 'Cd');
        expect(cdSource(1, far[0]!.name, true)).toBeUndefined();
      } finally {
        await set.close();
      }
    }, 60_000);

    it("a pool that cannot be made fails with the host and libvirt's message; the node stays usable", async () => {
      const h = hosts![1]!;
      const set = await createHypervisorSet({
        hypervisors: [
          {
            name: 'far-bad-pool',
            uri: h.tcpUri,
            timeoutMs: 4000,
            commandTimeoutMs: 20_000,
            media: { pool: 'bmcemu-t-badpool', poolPath: '/proc/bmcemu-no-such-dir' },
          },
        ],
      });
      try {
        const err = await set
          .insertMedia(far[0]!.uuid, 'Cd', { kind: 'path', path: IPXE_ISO, image: 'http://x/ipxe.iso' })
          .catch((e: unknown) => e);
        expect(isBmcEmuError(err, ErrorCode.MediaError), String(err)).toBe(true);
        console.log(`remote media, bad pool: ${(err as Error).message}`);
        expect((err as Error).message).toMatch(/far-bad-pool/);
        expect((err as Error).message).toContain(h.ip);
        expect((err as Error).message).toMatch(/bmcemu-t-badpool/);
        expect((err as Error).message).toMatch(/proc\/bmcemu-no-such-dir/);
        expect(cdSource(1, far[0]!.name, true)).toBeUndefined();
        expect((await set.get(far[0]!.uuid)).name).toBe(far[0]!.name);
      } finally {
        await set.close();
        try {
          h.virsh('pool-undefine', 'bmcemu-t-badpool');
        } catch {}
      }
    }, 60_000);
  }),
);
