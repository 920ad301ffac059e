import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();
const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
}

describe('bmc-emu lab init | render | check', () => {
  it('init writes the default lab; render writes every file; check passes the result', async () => {
    const dir = await tempDir('bmcemu-lab-cli-');
    const init = run(['lab', 'init', '--memory', '256', '--disk', '1'], dir);
    expect(init.status).toBe(0);
    const lab = parse(await readFile(join(dir, 'lab.yaml'), 'utf8'));
    expect(lab.controlPlane).toMatchObject({ count: 3, memoryMiB: 256, disksGiB: [1] });
    expect(run(['lab', 'init'], dir).status).toBe(1); // refuses to overwrite

    const r = run(['lab', 'render', '-c', 'lab.yaml', '--out', 'out'], dir);
    expect(r.status, r.stderr).toBe(0);
    const files = readdirSync(join(dir, 'out'), { recursive: true }).map(String).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'install-config.yaml',
        'nodes.json',
        'libvirt/networks/labbm.xml',
        'libvirt/networks/labpr.xml',
        'libvirt/domains/lab-master-0.xml',
        'libvirt/domains/lab-master-2.xml',
      ]),
    );
    const ic = parse(await readFile(join(dir, 'out/install-config.yaml'), 'utf8'));
    expect(ic.platform.baremetal.hosts).toHaveLength(3);

    const ok = run(['lab', 'check', 'out/install-config.yaml'], dir);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('');
  });

  it('check exits 1 with one line per violation naming the installer path, value and fix', async () => {
    const dir = await tempDir('bmcemu-lab-cli-');
    run(['lab', 'init'], dir);
    run(['lab', 'render', '--out', 'out'], dir);
    const ic = parse(await readFile(join(dir, 'out/install-config.yaml'), 'utf8'));
    ic.platform.baremetal.apiVIPs = ['10.1.1.1'];
    ic.platform.baremetal.hosts[2].bootMACAddress = ic.platform.baremetal.hosts[0].bootMACAddress;
    ic.platform.baremetal.provisioningNetworkCIDR = '172.22.0.1/24';
    await writeFile(join(dir, 'bad.yaml'), JSON.stringify(ic));
    const r = run(['lab', 'check', 'bad.yaml'], dir);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^platform\.baremetal\.apiVIPs\[0\]: "10\.1\.1\.1": IP expected .*\. Fix: /),
      expect.stringMatching(
        /^platform\.baremetal\.hosts\[2\]\.bootMACAddress: "[0-9a-f:]+": Duplicate value .*\. Fix: /,
      ),
      expect.stringMatching(
        /^platform\.baremetal\.provisioningNetworkCIDR: "172\.22\.0\.1\/24": .*host bits.*\. Fix: write 172\.22\.0\.0\/24$/,
      ),
    ]);
    await writeFile(join(dir, 'syntax.yaml'), 'platform: [\n');
    const s = run(['lab', 'check', 'syntax.yaml'], dir);
    expect(s.status).toBe(1);
    expect(s.stdout).toMatch(/^syntax\.yaml: line \d+: /);
  });

  it('render refuses a broken lab, names the key and writes nothing', async () => {
    const dir = await tempDir('bmcemu-lab-cli-');
    await writeFile(join(dir, 'lab.yaml'), 'networks:\n  baremetal:\n    apiVIPs: [192.168.111.200]\n');
    const r = run(['lab', 'render', '--out', 'out'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /lab\.yaml: networks\.baremetal\.apiVIPs\[0\]: "192\.168\.111\.200": inside the DHCP range/,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);

    await writeFile(join(dir, 'lab.yaml'), 'networks:\n  baremetal:\n    forwrd: nat\n');
    const k = run(['lab', 'render', '--out', 'out'], dir);
    expect(k.status).toBe(2);
    expect(k.stderr).toMatch(/lab\.yaml: networks\.baremetal\.forwrd: /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('bmc-emu lab without libvirt', () => {
  it('plan / up / status / down exit 3 with the reason', async () => {
    const dir = await tempDir('bmcemu-lab-cli-');
    await writeFile(
      join(dir, 'lab.yaml'),
      'libvirt:\n  uris: ["qemu+unix:///system?socket=/nonexistent/libvirt-sock"]\n',
    );
    for (const verb of ['plan', 'up', 'status', 'down']) {
      const r = run(['lab', verb], dir);
      expect({ verb, code: r.status }).toEqual({ verb, code: 3 });
      expect(r.stderr).toMatch(
        /libvirt \(qemu\+unix:\/\/\/system\?socket=\/nonexistent\/libvirt-sock\) driver is unavailable/,
      );
    }
    expect(existsSync(join(dir, 'lab-out'))).toBe(false);
  });
});

describe('lab up --install', () => {
  it('finds openshift-baremetal-install only as an executable on PATH', async () => {
    const { findInstaller } = await import('../src/lab-install.js');
    const dir = await tempDir('bmcemu-lab-path-');
    expect(findInstaller(dir)).toBeUndefined();
    await writeFile(join(dir, 'openshift-baremetal-install'), '#!/bin/sh\n', { mode: 0o644 });
    expect(findInstaller(dir)).toBeUndefined(); // not executable
    await writeFile(join(dir, 'openshift-baremetal-install'), '#!/bin/sh\n', { mode: 0o755 });
    const { chmod } = await import('node:fs/promises');
    await chmod(join(dir, 'openshift-baremetal-install'), 0o755);
    expect(findInstaller(`/nonexistent:${dir}`)).toBe(join(dir, 'openshift-baremetal-install'));
  });
});

describe('lab progress under listr2', () => {
  it('returns the work result, shows each step line, rethrows a failure', async () => {
    const { withSpinner } = await import('../src/lab-tty.js');
    const lines: string[] = [];
    const r = await withSpinner(
      'demo',
      (e) => {
        const l = `[${e.index}/${e.total}] ${e.step.name}`;
        lines.push(l);
        return l;
      },
      async (p) => {
        p({ phase: 'start', index: 1, total: 1, step: { action: 'create', kind: 'domain', name: 'd1' } });
        return 42;
      },
    );
    expect(r).toBe(42);
    expect(lines).toEqual(['[1/1] d1']);
    await expect(
      withSpinner(
        'fails',
        () => '',
        async () => {
          throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
  });
});

describe('lab check / render: OS image HEAD and per-host NMState files', () => {
  const execFileP = promisify(execFile);
  /** Async (spawnSync would block the HTTP server below, which lives in this process). */
  const runAsync = (args: string[], cwd: string) =>
    execFileP(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 }).then(
      (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout: string; stderr: string }) => ({
        status: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  it('check HEADs clusterOSImage (404 refused, 200 passes); --offline skips it', async () => {
    const server = createServer((req, res) => res.writeHead(req.url?.startsWith('/ok') ? 200 : 404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const dir = await tempDir('bmcemu-lab-cli-');
      run(['lab', 'init'], dir);
      run(['lab', 'render', '--out', 'out'], dir);
      const ic = parse(await readFile(join(dir, 'out/install-config.yaml'), 'utf8'));
      const sha = 'c'.repeat(64);
      ic.platform.baremetal.clusterOSImage = `http://127.0.0.1:${port}/gone.qcow2.gz?sha256=${sha}`;
      await writeFile(join(dir, 'gone.yaml'), JSON.stringify(ic));
      const r = await runAsync(['lab', 'check', 'gone.yaml'], dir);
      expect(r.status).toBe(1);
      expect(r.stdout.trim()).toBe(
        `platform.baremetal.clusterOSImage: "http://127.0.0.1:${port}/gone.qcow2.gz?sha256=${sha}": Not found: "http://127.0.0.1:${port}/gone.qcow2.gz?sha256=${sha}" (HEAD answered 404). Fix: serve the image at that URL (a HEAD request must answer 200) or correct the URL`,
      );
      expect((await runAsync(['lab', 'check', '--offline', 'gone.yaml'], dir)).status).toBe(0);
      ic.platform.baremetal.clusterOSImage = `http://127.0.0.1:${port}/ok.qcow2.gz?sha256=${sha}`;
      await writeFile(join(dir, 'ok.yaml'), JSON.stringify(ic));
      expect((await runAsync(['lab', 'check', 'ok.yaml'], dir)).status).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('render reads hosts.<name>.networkConfigFile relative to lab.yaml; a broken one names the key', async () => {
    const dir = await tempDir('bmcemu-lab-cli-');
    await writeFile(
      join(dir, 'm0.yaml'),
      'interfaces:\n  - name: enp2s0\n    type: ethernet\n    state: up\n    ipv4:\n      enabled: true\n      address:\n        - ip: 192.168.111.20\n          prefix-length: 24\n',
    );
    await writeFile(join(dir, 'lab.yaml'), 'hosts:\n  master-0:\n    networkConfigFile: m0.yaml\n');
    const r = run(['lab', 'render', '--out', 'out'], dir);
    expect(r.status, r.stderr).toBe(0);
    const ic = parse(await readFile(join(dir, 'out/install-config.yaml'), 'utf8'));
    expect(ic.platform.baremetal.hosts[0].networkConfig.interfaces[0].ipv4.address).toEqual([
      { ip: '192.168.111.20', 'prefix-length': 24 },
    ]);
    expect(ic.platform.baremetal.hosts[1].networkConfig).toBeUndefined();
    await writeFile(join(dir, 'm0.yaml'), 'interfaces:\n  - name: enp2s0\n    mtu: "9000"\n');
    const bad = run(['lab', 'render', '--out', 'out2'], dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /hosts\.master-0\.networkConfigFile \(install-config platform\.baremetal\.hosts\[0\]\.networkConfig\.interfaces\[0\]\.mtu\): "9000": mtu must be an integer \(not quoted string\)/,
    );
    await writeFile(join(dir, 'm0.yaml'), 'interfaces: [\n');
    const syntax = run(['lab', 'render', '--out', 'out3'], dir);
    expect(syntax.status).toBe(2);
    expect(syntax.stderr).toMatch(/hosts\.master-0\.networkConfigFile: .*not valid YAML: line \d+/);
    expect(existsSync(join(dir, 'out2'))).toBe(false);
    expect(existsSync(join(dir, 'out3'))).toBe(false);
  });
});
