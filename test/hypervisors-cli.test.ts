import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();
const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const DEAD = 'qemu:///system?socket=/nonexistent/bmc-emu-hv-cli-sock';

describe('bmc-emu nodes over several hypervisors (libvirt test:/// driver, no daemon)', () => {
  it("shows each node's hypervisor, each hypervisor's state, and a UUID seen twice", async () => {
    const dir = await tempDir('bmcemu-hvcli-');
    const file = join(dir, 'c.yaml');
    // two names for the same test:/// host: the same domain UUID twice, as a copied domain would be
    await writeFile(
      file,
      [
        `stateDir: ${dir}`,
        'driver:',
        '  kind: libvirt',
        '  hypervisors:',
        '    - { name: rack-a, uri: "test:///default" }',
        `    - { name: rack-dead, uri: "${DEAD}" }`,
        '    - { name: rack-b, uri: "test:///default" }',
        '',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [BIN, 'nodes', '-c', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toContain('libvirt driver on hypervisors rack-a (test:///default)');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+UUID\s+POWER\s+MACS\s+IPMI\s+BOOT\s+HYPERVISOR$/);
    expect(lines[1]).toMatch(/^test\s+\S+\s+On\s.*\brack-a$/);
    expect(lines.filter((l) => /^test\s/.test(l))).toHaveLength(1); // never merged, never listed twice
    expect(r.stdout).toMatch(/^rack-a\s+test:\/\/\/default\s+up\s+1 node$/m);
    expect(r.stdout).toMatch(/^rack-b\s+test:\/\/\/default\s+up\s+0 nodes$/m);
    expect(r.stdout).toMatch(/^rack-dead\s+qemu:\/\/\/system\?socket=\S+\s+down \(.*\/nonexistent\/.*\)/m);
    expect(r.stdout).toMatch(/duplicate UUIDs \(reported, never merged\):\n\s+\S+ on rack-b: served from rack-a/);
  });
});
