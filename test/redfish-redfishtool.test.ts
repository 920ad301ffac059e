/** DMTF's redfishtool (Basic and Session auth) against our Redfish service. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, run, startHarness } from '../packages/redfish/test/harness.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('redfish redfishtool', [command('redfishtool')]);

gate.describe('redfishtool lists, powers and sets boot', () => {
  let h: Harness;
  let rt: (auth: 'Basic' | 'Session', ...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

  beforeAll(async () => {
    h = await startHarness();
    const hostPort = h.base.replace(/^https:\/\//, '');
    rt = (auth, ...args) =>
      run('redfishtool', ['-r', hostPort, '-u', 'admin', '-p', 'password', '-S', 'Always', '-A', auth, ...args]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists Systems, Chassis and Managers (Basic and Session auth)', async () => {
    for (const auth of ['Basic', 'Session'] as const) {
      const sys = await rt(auth, 'Systems');
      expect(sys.code, sys.stderr).toBe(0);
      expect(JSON.parse(sys.stdout)['Members@odata.count']).toBe(2);
    }
    const chassis = await rt('Basic', 'Chassis');
    expect(chassis.code, chassis.stderr).toBe(0);
    expect(JSON.parse(chassis.stdout).Members).toHaveLength(2);
    const mgrs = await rt('Session', 'Managers', 'list');
    expect(mgrs.code, mgrs.stderr).toBe(0);
    expect(mgrs.stdout).toContain(h.node.id);
  });

  it('reads one system by id', async () => {
    const r = await rt('Basic', '-I', h.node.id, 'Systems', 'get', 'PowerState');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).PowerState).toBe('Off');
  });

  it('resets On and the node powers on', async () => {
    const r = await rt('Session', '-I', h.node.id, 'Systems', 'reset', 'On');
    expect(r.code, r.stderr).toBe(0);
    const deadline = Date.now() + 5000;
    while ((await h.driver.get(h.node.id)).powerState !== 'On' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
    }
    expect((await h.driver.get(h.node.id)).powerState).toBe('On');
  });

  it('sets a boot override (Once Pxe, then Continuous Cd)', async () => {
    let r = await rt('Basic', '-I', h.node.id, 'Systems', 'setBootOverride', 'Once', 'Pxe');
    expect(r.code, r.stderr).toBe(0);
    expect(await h.driver.getBootOverride(h.node.id)).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    r = await rt('Session', '-I', h.node.id, 'Systems', 'setBootOverride', 'Continuous', 'Cd');
    expect(r.code, r.stderr).toBe(0);
    expect(await h.driver.getBootOverride(h.node.id)).toMatchObject({ target: 'Cd', enabled: 'Continuous' });
  });

  it('a wrong password is refused', async () => {
    const hostPort = h.base.replace(/^https:\/\//, '');
    const r = await run('redfishtool', ['-r', hostPort, '-u', 'admin', '-p', 'nope', '-S', 'Always', 'Systems']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/401|Unauthorized/i);
  });
});
