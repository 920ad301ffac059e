import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSushyConfig } from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const fixtures = new URL('../../../fixtures/sushy/', import.meta.url).pathname;
const tempDir = tempDirs();

describe('import sushy', () => {
  it('keeps address, port, scheme, libvirt URI, allowed instances and accounts; says why of the rest', async () => {
    const r = await importSushyConfig(join(fixtures, 'emulator.conf'));
    expect(r.config).toEqual({
      bind: '127.0.0.1',
      driver: { kind: 'libvirt', libvirtUris: ['qemu:///system'], serve: 'listed' },
      redfish: { port: 8001, tls: false, htpasswdFile: join(fixtures, 'htpasswd'), insecureImageTls: true },
    });
    expect(r.bmcs.map((b) => [b.node, b.ipmi.port, b.user])).toEqual([
      ['master-0', 6230, undefined],
      ['4c4c4544-0000-0000-0000-000000000001', 6231, undefined],
    ]);
    expect(r.accounts.users).toEqual(['ironic', 'admin2']);
    expect(r.accounts.refused).toEqual([
      expect.objectContaining({ key: 'olddes', why: expect.stringMatching(/crypt\(3\)/) }),
    ]);
    const noted = Object.fromEntries(r.notes.map((n) => [n.key, n.why]));
    expect(Object.keys(noted).sort()).toEqual(
      [
        'SUSHY_EMULATOR_BOOT_LOADER_MAP',
        'SUSHY_EMULATOR_DISABLE_POWER_OFF',
        'SUSHY_EMULATOR_DRIVES',
        'SUSHY_EMULATOR_IGNORE_BOOT_DEVICE',
        'SUSHY_EMULATOR_VMEDIA_DEVICES',
      ].sort(),
    );
    expect(noted.SUSHY_EMULATOR_VMEDIA_DEVICES).toMatch(/built in/);
    expect(r.notes.find((n) => n.key === 'SUSHY_EMULATOR_DRIVES')!.where).toMatch(/emulator\.conf:\d+$/);
  });

  it('takes TLS when both cert and key are set, and says why when only one is', async () => {
    const dir = await tempDir('bmcemu-sushy-');
    const file = join(dir, 'emulator.conf');
    await writeFile(
      file,
      "SUSHY_EMULATOR_SSL_CERT = 'c.pem'\nSUSHY_EMULATOR_SSL_KEY = '/etc/k.pem'\nFLASK_THING = 1\n",
    );
    const r = await importSushyConfig(file);
    expect(r.config.redfish).toEqual({ tls: true, certFile: join(dir, 'c.pem'), keyFile: '/etc/k.pem' });
    expect(r.notes.map((n) => n.key)).toEqual(['SUSHY_EMULATOR_AUTH_FILE', 'FLASK_THING']);
    await writeFile(file, "SUSHY_EMULATOR_SSL_CERT = 'c.pem'\nSUSHY_EMULATOR_LISTEN_IP = u''\n");
    const half = await importSushyConfig(file);
    expect(half.config.redfish.tls).toBe(false);
    expect(half.config.bind).toBe('0.0.0.0');
    expect(half.notes.map((n) => n.key)).toContain('SUSHY_EMULATOR_SSL_KEY');
  });

  it('reports code it will not run, and refuses a file with nothing readable, naming the line', async () => {
    const dir = await tempDir('bmcemu-sushy-');
    const file = join(dir, 'emulator.conf');
    await writeFile(
      file,
      "import os\nSUSHY_EMULATOR_LISTEN_PORT = int(os.environ['PORT'])\nSUSHY_EMULATOR_LISTEN_IP = '::1'\n",
    );
    const r = await importSushyConfig(file);
    expect(r.config.bind).toBe('::1');
    expect(r.notes.slice(0, 2).map((n) => [n.key, n.where])).toEqual([
      ['import os', `${file}:1`],
      ['SUSHY_EMULATOR_LISTEN_PORT', `${file}:2`],
    ]);
    await writeFile(file, 'SUSHY_EMULATOR_LISTEN_PORT = [8000\n');
    await expect(importSushyConfig(file)).rejects.toThrow(`${file}:1:`);
  });
});
