import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFromEnv, ErrorCode, isBmcEmuError, loadConfig } from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';
// the CLI's composition: core owns the loader, the protocol packages their sections
import { configSchema as schema } from '../../../src/config-schema.js';

const tempDir = tempDirs();

describe('config', () => {
  it('has the vbmc/sushy-tools defaults', async () => {
    const c = await loadConfig({ schema, env: {} });
    expect(c.bind).toBe('127.0.0.1');
    expect(c.redfish).toMatchObject({ port: 8000, tls: true });
    expect(c.ipmi.basePort).toBe(6230);
    expect(c.user).toBe('admin');
    expect(c.password).toBe('password');
    expect(Object.isFrozen(c.redfish)).toBe(true);
  });

  it('layers file < env < flags', async () => {
    const dir = await tempDir('bmcemu-cfg-');
    const file = join(dir, 'c.yaml');
    await writeFile(file, 'redfish:\n  port: 9000\nipmi:\n  basePort: 7000\nuser: fileuser\n');
    const c = await loadConfig({
      schema,
      file,
      env: { BMCEMU_IPMI_BASE_PORT: '7100', BMCEMU_USER: 'envuser' },
      overrides: { user: 'flaguser' },
    });
    expect(c.redfish.port).toBe(9000);
    expect(c.ipmi.basePort).toBe(7100);
    expect(c.user).toBe('flaguser');
  });

  it('names the bad key and the fix', async () => {
    const err = await loadConfig({ schema, env: {}, overrides: { redfish: { port: 'eighty' } } }).catch(
      (e: unknown) => e,
    );
    expect(isBmcEmuError(err, ErrorCode.ConfigInvalid)).toBe(true);
    expect((err as Error).message).toMatch(/redfish\.port/);
    const err2 = await loadConfig({ schema, env: {}, overrides: { redfsh: {} } }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/unknown key "redfsh"/);
    const err3 = await loadConfig({ schema, env: { BMCEMU_NOPE: '1' } }).catch((e: unknown) => e);
    expect((err3 as Error).message).toMatch(/BMCEMU_NOPE/);
  });

  it('refuses a non-loopback bind with the default password', async () => {
    const err = await loadConfig({ schema, env: {}, overrides: { bind: '0.0.0.0' } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/default password/);
    const ok = await loadConfig({ schema, env: {}, overrides: { bind: '0.0.0.0', password: 's3cret' } });
    expect(ok.bind).toBe('0.0.0.0');
  });

  it('reports bad YAML clearly', async () => {
    const dir = await tempDir('bmcemu-cfg-');
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'redfish: [\n');
    const err = await loadConfig({ schema, file, env: {} }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not valid YAML/);
  });

  it('env parsing never throws, whatever the names and values', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().map((s) => `BMCEMU_${s}`),
          fc.string(),
        ),
        (env) => {
          const r = configFromEnv(env, schema);
          expect(Array.isArray(r.unknown)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
