/**
 * The two-node labs through the CLI (issue #11): `lab render` then `lab check` of the result, `lab check`
 * refusing a dual-stack install-config whose first VIP is of the wrong family, and `lab plan` against
 * libvirt's built-in test driver (real virsh, no daemon) listing the arbiter's volume and domain.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { command, requirePeers } from './support/peers.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const gate = requirePeers('lab plan on the libvirt test driver', [command('virsh', 'libvirt-clients')]);
const tempDir = tempDirs();

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

gate.describe('bmc-emu lab with two-node labs', () => {
  it('render + check: fencing and arbiter labs pass; check names the VIP family order violation', async () => {
    const dir = await tempDir('bmcemu-lab-2n-');
    for (const [file, lab] of [
      ['tnf.yaml', { name: 'tnf', controlPlane: { count: 2, fencing: {} } }],
      ['tna.yaml', { name: 'tna', controlPlane: { count: 2 }, arbiter: { count: 1 } }],
    ] as const) {
      await writeFile(join(dir, file), stringify(lab));
      const r = run(['lab', 'render', '-c', file, '--out', file.replace('.yaml', '')], dir);
      expect(r.status, r.stderr).toBe(0);
      const check = run(['lab', 'check', join(file.replace('.yaml', ''), 'install-config.yaml'), '--offline'], dir);
      expect(check.status, check.stderr + check.stdout).toBe(0);
    }
    const ic = parse(await readFile(join(dir, 'tnf/install-config.yaml'), 'utf8'));
    expect(ic.controlPlane.fencing.credentials).toHaveLength(2);
    // dual stack with the IPv6 VIP first: refused by the installer's rule, one line per network list
    ic.networking.machineNetwork.push({ cidr: 'fd2e:6f44:5dd8:c956::/120' });
    ic.networking.clusterNetwork.push({ cidr: 'fd01::/48', hostPrefix: 64 });
    ic.networking.serviceNetwork.push('fd02::/112');
    ic.platform.baremetal.apiVIPs = ['fd2e:6f44:5dd8:c956::5', '192.168.111.5'];
    await writeFile(join(dir, 'bad.yaml'), stringify(ic));
    const bad = run(['lab', 'check', 'bad.yaml', '--offline'], dir);
    expect(bad.status).toBe(1);
    const lines = bad.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const [i, n] of ['clusterNetwork', 'machineNetwork', 'serviceNetwork'].entries())
      expect(lines[i]).toMatch(
        new RegExp(
          `^platform\\.baremetal\\.apiVIPs: "fd2e:6f44:5dd8:c956::5": ${n} primary IP Family and primary IP family for the API VIP should match`,
        ),
      );
  });

  it('plan on test:///default creates the arbiter volume and domain after the masters', async () => {
    const dir = await tempDir('bmcemu-lab-2n-plan-');
    await writeFile(
      join(dir, 'lab.yaml'),
      stringify({
        name: 'tna',
        libvirt: { uris: ['test:///default'], pool: { path: join(dir, 'pool') } },
        bmc: { serveStateDir: join(dir, 'serve') },
        controlPlane: { count: 2, memoryMiB: 256, disksGiB: [1] },
        arbiter: { count: 1, memoryMiB: 256, disksGiB: [1] },
      }),
    );
    const r = run(['lab', 'plan', '-c', 'lab.yaml'], dir);
    expect(r.status, r.stderr).toBe(0);
    const creates = r.stdout
      .split('\n')
      .filter((l) => /^\+ create (volume|domain) /.test(l))
      .map((l) => l.replace(/ on local$/, ''));
    expect(creates).toEqual([
      '+ create volume tna-pool/tna-master-0-disk0.qcow2 (1 GiB thin qcow2)',
      '+ create volume tna-pool/tna-master-1-disk0.qcow2 (1 GiB thin qcow2)',
      '+ create volume tna-pool/tna-arbiter-0-disk0.qcow2 (1 GiB thin qcow2)',
      '+ create domain tna-master-0 (master, 256 MiB, 4 vCPU)',
      '+ create domain tna-master-1 (master, 256 MiB, 4 vCPU)',
      '+ create domain tna-arbiter-0 (arbiter, 256 MiB, 2 vCPU)',
    ]);
  });
});
