/** Issue #15 fixes seen by real clients: python3-sushy (the library inside Ironic) and curl. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, run, startHarness } from '../packages/redfish/test/harness.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_hygiene.py', import.meta.url));
const gate = requirePeers('redfish hygiene with sushy and curl', [pythonModule('sushy'), command('curl')]);

gate.describe('sushy and curl against the #15 Redfish fixes', () => {
  let h: Harness;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sushy's JSON report
  let out: any;
  beforeAll(async () => {
    h = await startHarness({ tls: false });
    const r = await run(DEBIAN_PYTHON, [SCRIPT, h.url, 'admin', 'password']);
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-2000)}`);
    out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sushy finds the TaskService through the root `Tasks` link', () => {
    expect(out.task_service).toEqual(['TaskService', true, '/redfish/v1/TaskService/Tasks']);
  });

  it('sushy reads UpdateService without HttpPushUri, the registries, and the Manager VirtualMedia Ironic uses', () => {
    expect(out.http_push_uri).toBeNull();
    expect(out.registries).toEqual(['Base', 'ResourceEvent']);
    expect(out.manager_virtual_media.length).toBeGreaterThan(0);
  });

  it('a 300-character password: sushy gets an error that carries no part of it', () => {
    expect(Array.isArray(out.long_password), JSON.stringify(out.long_password)).toBe(true);
    expect(out.long_password[1]).toBe(false);
    expect(out.long_password[2]).toBe(false);
    expect(out.long_password[0]).toBe(401); // the session login refused (400), sushy falls back to Basic: 401
  });

  it('curl with an unknown method gets 501 and a Redfish error body', async () => {
    const r = await run('curl', ['-s', '-X', 'FAKEMETHOD', '-w', '\n%{http_code} %{content_type}', `${h.url}/`]);
    const lines = r.stdout.trim().split('\n');
    expect(lines.pop()).toMatch(/^501 application\/json/);
    expect(JSON.parse(lines.join('\n')).error.code).toBe('Base.1.16.0.OperationNotAllowed');
  });

  it('curl PATCH as text/plain gets 415 naming application/json, and the boot override is unchanged', async () => {
    const before = await h.driver.getBootOverride(h.node.id);
    const r = await run('curl', [
      '-s',
      '-u',
      'admin:password',
      '-X',
      'PATCH',
      '-H',
      'Content-Type: text/plain',
      '--data',
      '{"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Once"}}',
      '-w',
      '\n%{http_code}',
      `${h.url}/Systems/${h.node.id}`,
    ]);
    const lines = r.stdout.trim().split('\n');
    expect(lines.pop()).toBe('415');
    expect(JSON.parse(lines.join('\n')).error.message).toMatch(/application\/json/);
    expect(await h.driver.getBootOverride(h.node.id)).toEqual(before);
  });
});
