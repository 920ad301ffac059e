/** sushy-tools' emulator.conf + htpasswd imported, then served: python3-sushy logs in with the old accounts. */
import { spawnSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { run } from '../packages/ipmi/test/support/peers.js';
import { type Ironic, ironicPeers, startIronic } from './support/ironic.js';
import { enrollAndManage } from './support/ironic-enroll.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_scoped.py', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/sushy/', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('sushy-tools config imported and served', [
  pythonModule('sushy'),
  command('virsh', 'libvirt-clients'),
]);
const ironicGate = requirePeers('Ironic against an imported sushy-tools config', [
  ...ironicPeers(),
  command('virsh', 'libvirt-clients'),
]);

// The two ALLOWED_INSTANCES of the fixture (one by name, one by UUID) and one domain it does not allow.
const MASTER0 = '7d5b1a6e-0000-4000-8000-000000000001';
const BY_UUID = '4c4c4544-0000-0000-0000-000000000001';
const UNLISTED = '7d5b1a6e-0000-4000-8000-000000000009';
const domain = (name: string, uuid: string) =>
  `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>512</memory>` +
  `<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`;

interface Seen {
  systems: string[];
  reset_other: number;
  get_other: number;
  session: string | null;
  sessions_seen: string[];
}

/** Copy the fixture, `bmc-emu import sushy --out`, point the config at a test hypervisor, serve it. */
async function importAndServe(): Promise<{ serve: ServeProcess; config: Record<string, Record<string, unknown>> }> {
  const dir = await tempDir('bmcemu-sushy-import-');
  await cp(fixtures, join(dir, 'sushy'), { recursive: true });
  const out = join(dir, 'bmc-emu.yaml');
  const stateDir = join(dir, 'state');
  const imported = spawnSync(
    process.execPath,
    [BIN, 'import', 'sushy', join(dir, 'sushy', 'emulator.conf'), '--out', out, '--state-dir', stateDir],
    { encoding: 'utf8' },
  );
  expect(imported.status, imported.stderr).toBe(0);
  const config = parse(await readFile(out, 'utf8')) as Record<string, Record<string, unknown>>;
  const host = join(dir, 'host.xml');
  await writeFile(
    host,
    `<node>${domain('master-0', MASTER0)}${domain('uuid-named', BY_UUID)}${domain('unlisted', UNLISTED)}</node>`,
  );
  // Only what the lab machine differs in: the hypervisor (libvirt's test driver) and a free port.
  const served = { ...config, driver: { ...config.driver, libvirtUris: [`test://${host}`] } };
  await writeFile(out, stringify(served));
  const serve = await startServe({ nodes: 0, stateDir, extraArgs: ['-c', out, '--driver', 'libvirt', '--no-ipmi'] });
  return { serve, config };
}

gate.describe('bmc-emu import sushy, then serve with the written config', () => {
  let serve: ServeProcess;
  let config: Record<string, Record<string, unknown>>;

  const sushyAs = async (user: string, password: string, auth = 'auto'): Promise<Seen> => {
    const url = `http://127.0.0.1:${serve.redfishPort}/redfish/v1`;
    const r = await run(DEBIAN_PYTHON, [SCRIPT, url, user, password, UNLISTED, '', auth]);
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-1500)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Seen;
  };

  beforeAll(async () => {
    ({ serve, config } = await importAndServe());
  });
  afterAll(() => serve?.stop());

  it('the written config keeps the URL layout and the accounts file, and flips VERIFY_SSL', () => {
    expect(config.redfish).toMatchObject({ port: 8001, tls: false, insecureImageTls: true });
    expect(String(config.redfish!.htpasswdFile)).toMatch(/sushy\/htpasswd$/);
    expect(config.driver).toMatchObject({ serve: 'listed' });
  });

  it('the bcrypt account ironic/ir0nic-pw logs in and sees the allowed instances only', async () => {
    const seen = await sushyAs('ironic', 'ir0nic-pw');
    expect(seen.systems.sort()).toEqual([BY_UUID, MASTER0].sort());
    expect(seen.get_other).toBe(404);
    expect(seen.reset_other).toBe(404);
  });

  it('the htpasswd account logs in by SessionAuth too (no fall back to Basic), an Administrator', async () => {
    const seen = await sushyAs('ironic', 'ir0nic-pw', 'session');
    expect(seen.session).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\//);
    expect(seen.systems.sort()).toEqual([BY_UUID, MASTER0].sort());
    expect(seen.sessions_seen).toContain(seen.session);
  });

  it('a wrong password for an htpasswd account is refused', async () => {
    const r = await run('curl', [
      ...['-s', '-o', '/dev/null', '-w', '%{http_code}', '-u', 'ironic:wrong'],
      `http://127.0.0.1:${serve.redfishPort}/redfish/v1/Systems`,
    ]);
    expect(r.stdout).toBe('401');
  });
});

ironicGate.describe('Ironic 21.4 manages an allowed instance with the imported htpasswd account', () => {
  let serve: ServeProcess;
  let ironic: Ironic;

  beforeAll(async () => {
    ({ serve } = await importAndServe());
    ironic = await startIronic();
  }, 150_000);
  afterAll(async () => {
    await ironic?.stop();
    await serve?.stop();
  });

  it('enrolls master-0 as ironic/ir0nic-pw, validates power and reads its power state', async () => {
    const n = await enrollAndManage(ironic, 'imported-master-0', {
      redfish_address: `http://127.0.0.1:${serve.redfishPort}`,
      redfish_system_id: `/redfish/v1/Systems/${MASTER0}`,
      redfish_username: 'ironic',
      redfish_password: 'ir0nic-pw',
    });
    expect(n.power_state).toMatch(/^power (on|off)$/);
  }, 90_000);
});
