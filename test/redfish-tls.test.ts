/** TLS on by default: certificate generated once and kept, SANs for loopback names, curl verifies with `bmc-emu ca`. */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { demoNodes, MemoryDriver, sharedSettings, silentLogger } from '@bmc-emu/core';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { command, requirePeers } from './support/peers.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const gate = requirePeers('redfish TLS with curl', [command('curl')]);

gate.describe('Redfish TLS', () => {
  let dir: string;
  let driver: MemoryDriver;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-rftls-'));
    driver = new MemoryDriver({ nodes: demoNodes(1) });
  });
  afterAll(async () => {
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (extra: Record<string, unknown> = {}) => {
    const settings = redfishSection.parse({ port: 0, ...extra });
    const shared = sharedSettings({ stateDir: join(dir, 'state') });
    const s = new RedfishServer({ driver, settings, shared, logger: silentLogger(), host: '127.0.0.1' });
    await s.start();
    return s;
  };

  it('generates a CA-signed certificate on first start and keeps it across restarts', async () => {
    const s1 = await start();
    const cert1 = await readFile(join(dir, 'state/tls/server.crt'), 'utf8');
    await s1.stop();
    const s2 = await start();
    const cert2 = await readFile(join(dir, 'state/tls/server.crt'), 'utf8');
    expect(cert2).toBe(cert1);
    const x = new X509Certificate(cert1);
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.subjectAltName).toContain('DNS:localhost');
    expect(x.subjectAltName).toMatch(/IP Address:0:0:0:0:0:0:0:1|IP Address:::1/);
    const ca = new X509Certificate(await readFile(join(dir, 'state/tls/ca.crt'), 'utf8'));
    expect(x.verify(ca.publicKey)).toBe(true);
    const { stdout } = await run('curl', [
      '-sS',
      '--cacert',
      join(dir, 'state/tls/ca.crt'),
      '-u',
      'admin:password',
      `${s2.url}/Systems`,
    ]);
    expect(JSON.parse(stdout)['Members@odata.count']).toBe(1);
    await s2.stop();
  });

  it('`bmc-emu ca` prints the CA that curl then trusts', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'ca', '--state-dir', join(dir, 'state')]);
    expect(stdout).toBe(await readFile(join(dir, 'state/tls/ca.crt'), 'utf8'));
  });

  it('accepts a user certificate, and serves plain HTTP only when asked', async () => {
    const own = join(dir, 'own');
    const { ensureTls } = await import('@bmc-emu/redfish');
    const mat = await ensureTls(own);
    await writeFile(join(dir, 'u.crt'), mat.cert);
    await writeFile(join(dir, 'u.key'), mat.key);
    const s = await start({ certFile: join(dir, 'u.crt'), keyFile: join(dir, 'u.key') });
    const { stdout } = await run('curl', ['-sS', '--cacert', join(own, 'tls/ca.crt'), `${s.url}`]);
    expect(JSON.parse(stdout).Id).toBe('RootService');
    await s.stop();
    const plain = await start({ tls: false });
    expect(plain.url).toMatch(/^http:\/\//);
    expect((await fetch(plain.url)).status).toBe(200);
    await plain.stop();
  });
});
