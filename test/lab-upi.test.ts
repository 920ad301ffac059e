/**
 * upi mode on a real libvirtd: the bootstrap VM gets its ignition through QEMU fw_cfg, set in the domain
 * XML by `lab up` (checked on the running QEMU's /proc/<pid>/cmdline), and `down` leaves nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from './support/ironic.js';
import { type Libvirtd, libvirtPeers, startLibvirtd, virsh, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const tempDir = tempDirs();
const LAB = 'bmcemu-t-upi';

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const names = (...args: string[]) =>
  virsh(...args)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();

libvirtPeers.describe('lab up in upi mode', () => {
  let lv: Libvirtd;
  let dir: string;
  let redfishPort: number;
  let before: { domains: string[]; networks: string[]; pools: string[] };

  beforeAll(async () => {
    redfishPort = await freePort();
    lv = await startLibvirtd();
    dir = await tempDir('bmcemu-lab-upi-');
    chmodSync(dir, 0o755);
    writeFileSync(
      join(dir, 'lab.yaml'),
      stringify({
        name: LAB,
        mode: 'upi',
        libvirt: { uris: [lv.uri], pool: { path: join(dir, 'pool') }, domainType: 'qemu' },
        bmc: { host: '127.0.0.1', tls: false, redfishPort, ipmiBasePort: 17230 },
        controlPlane: { count: 1, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
        networks: { baremetal: { forward: 'isolated' }, provisioning: { mode: 'Unmanaged' } },
        // nothing is fetched: the test stops at the role's script marker, before the kernel download
        images: { kernel: 'http://172.22.0.1:8080/files/vmlinuz', initrd: 'http://172.22.0.1:8080/files/initrd.img' },
      }),
    );
    before = {
      domains: names('list', '--all', '--name'),
      networks: names('net-list', '--all', '--name'),
      pools: names('pool-list', '--all', '--name'),
    };
  }, LIBVIRTD_SETUP_MS);

  afterAll(async () => {
    try {
      if (dir && lv) cli(['lab', 'down', '-c', 'lab.yaml'], dir);
    } finally {
      await lv?.stop();
    }
  }, 180_000);

  it('a dual-stack baremetal network as rendered is accepted and started by libvirt (dnsmasq v4 + v6)', () => {
    writeFileSync(
      join(dir, 'ds.yaml'),
      stringify({
        name: 'bmcemu-t-ds',
        networks: {
          baremetal: {
            forward: 'isolated',
            ipv4: { cidr: '192.168.120.0/24' },
            ipv6: { cidr: 'fd2e:6f44:5dd8:c956::/120' },
          },
          provisioning: { mode: 'Disabled' },
        },
      }),
    );
    const r = cli(['lab', 'render', '-c', 'ds.yaml', '--out', 'ds'], dir);
    expect(r.code, r.err).toBe(0);
    virsh('net-define', join(dir, 'ds/libvirt/networks/bmcemu-t-dsbm.xml'));
    try {
      virsh('net-start', 'bmcemu-t-dsbm');
      const live = virsh('net-dumpxml', 'bmcemu-t-dsbm');
      expect(live).toMatch(/<ip family='ipv6' address='fd2e:6f44:5dd8:c956::1' prefix='120'>/);
      expect(live).toContain("<dnsmasq:option value='address=/apps.bmcemu-t-ds.example.com/192.168.120.4'/>");
      expect(lv.netns.exec('ip', '-6', 'addr', 'show', 'bmcemu-t-dsbm')).toContain('fd2e:6f44:5dd8:c956::1/120');
    } finally {
      try {
        virsh('net-destroy', 'bmcemu-t-dsbm');
      } catch {}
      virsh('net-undefine', 'bmcemu-t-dsbm');
    }
  });

  it('SIGINT mid-way stops between steps with the state file true; the next up finishes the job', async () => {
    const child = spawn(process.execPath, [BIN, 'lab', 'up', '-c', 'lab.yaml', '--out', 'out'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('[1/')) child.kill('SIGINT');
      });
      child.once('exit', resolve);
    });
    expect(code).toBe(1);
    expect(err).toMatch(/interrupted/);
    const state = JSON.parse(readFileSync(join(dir, '.bmc-emu-lab/lab-state.json'), 'utf8')) as {
      objects: { kind: string; name: string }[];
    };
    // what the file lists exists; the domains were never reached
    expect(state.objects.length).toBeGreaterThan(0);
    for (const o of state.objects.filter((x) => x.kind === 'network'))
      expect(names('net-list', '--all', '--name')).toContain(o.name);
    expect(names('list', '--all', '--name').filter((d) => d.startsWith(LAB))).toEqual([]);
  }, 120_000);

  it('the bootstrap QEMU carries opt/com.coreos/config; a master PXE-boots into its role script; down removes everything', async () => {
    const up = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out'], dir);
    expect(up.code, up.err + up.out).toBe(0);
    // --serve: no BMC answers yet, so one is started for the lab (and `down` stops it)
    const served = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve'], dir);
    expect(served.code, served.err).toBe(0);
    expect(served.err).toMatch(/serve: started \(pid \d+\)/);
    const servePid = Number(readFileSync(join(dir, '.bmc-emu-lab/serve.pid'), 'utf8'));
    const systems = (await (
      await fetch(`http://127.0.0.1:${redfishPort}/redfish/v1/Systems`, {
        headers: { authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` },
      })
    ).json()) as { Members: { '@odata.id': string }[] };
    const uuids = ['bootstrap-0', 'master-0'].map((n) => virsh('domuuid', `${LAB}-${n}`).trim());
    expect(systems.Members.map((x) => x['@odata.id']).sort()).toEqual(
      uuids.map((u) => `/redfish/v1/Systems/${u}`).sort(),
    );
    expect(cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve'], dir).err).toMatch(/already answers/);

    const dom = `${LAB}-bootstrap-0`;
    const ign = join(dir, '.bmc-emu-lab/ignition/bootstrap.ign');
    expect(JSON.parse(readFileSync(ign, 'utf8'))).toEqual({ ignition: { version: '3.2.0' } });
    expect(virsh('dumpxml', '--inactive', dom)).toContain("name='opt/com.coreos/config'");
    virsh('start', dom);
    try {
      const pid = readFileSync(`/run/libvirt/qemu/${dom}.pid`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain(`name=opt/com.coreos/config,file=${ign}`);
    } finally {
      virsh('destroy', dom);
    }
    // PXE: our DHCP/TFTP/HTTP from boot-serve.yaml, inside the namespace that holds the provisioning bridge
    const boot = lv.netns.spawn(
      process.execPath,
      [BIN, 'serve', '-c', join(dir, 'out/boot-serve.yaml'), '--log-level', 'warn'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let bootOut = '';
    boot.stdout!.on('data', (c: Buffer) => (bootOut += c.toString()));
    boot.stderr!.on('data', (c: Buffer) => (bootOut += c.toString()));
    const master = `${LAB}-master-0`;
    const serial = join(dir, `.bmc-emu-lab/logs/${master}-serial.log`);
    try {
      for (let i = 0; i < 200 && !bootOut.includes('serving') && boot.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(bootOut).toContain('serving');
      virsh('start', master);
      const marker = `bmc-emu: booting ${master} as master`;
      let log = '';
      for (let i = 0; i < 900 && !log.includes(marker); i++) {
        await new Promise((r) => setTimeout(r, 200));
        log = existsSync(serial) ? readFileSync(serial, 'latin1') : '';
      }
      expect(log, `serial log:\n${log.slice(-2000)}\nboot-serve:\n${bootOut.slice(-2000)}`).toContain(marker);
    } finally {
      try {
        virsh('destroy', master);
      } catch {}
      const exited = new Promise((r) => boot.once('exit', r));
      boot.kill('SIGTERM');
      await exited;
    }

    const down = cli(['lab', 'down', '-c', 'lab.yaml'], dir);
    expect(down.code, down.err).toBe(0);
    expect(down.err).toMatch(new RegExp(`serve: stopped \\(pid ${servePid}\\)`));
    expect(() => process.kill(servePid, 0)).toThrow();
    expect({
      domains: names('list', '--all', '--name'),
      networks: names('net-list', '--all', '--name'),
      pools: names('pool-list', '--all', '--name'),
    }).toEqual(before);
    expect(existsSync(join(dir, 'pool'))).toBe(false);
  }, 420_000);
});
