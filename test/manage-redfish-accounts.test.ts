/**
 * A registered BMC's own account on Redfish, by HTTP Basic and by session (python3-sushy's SessionAuth and
 * default SessionOrBasicAuth, redfishtool -A Session, Ironic 21.4 with redfish_auth_type session): it sees
 * and acts on that one system only, sees its own session only, and a changed BMC's old session and
 * credentials are refused at once.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { type Ironic, ironicPeers, startIronic } from './support/ironic.js';
import { enrollAndManage } from './support/ironic-enroll.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { freeUdpRange, type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_scoped.py', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('per-node Redfish accounts', [pythonModule('sushy'), command('redfishtool')]);
const ironicGate = requirePeers('Ironic with a per-node Redfish account', ironicPeers());

interface Seen {
  systems: string[];
  own_power: string;
  reset_other: number;
  get_other: number;
  /** The session sushy holds (null: it used Basic). */
  session: string | null;
  sessions_seen: string[];
  logout?: string | number;
}

type SushyAuth = 'auto' | 'session' | 'basic';

/** `bmc-emu bmc add node-0` as n0 / n0-pw on its own IPMI port, applied to the running serve. */
async function addNode0(stateDir: string): Promise<void> {
  const port = await freeUdpRange(1);
  const add = spawnSync(
    process.execPath,
    [
      BIN,
      'bmc',
      'add',
      'node-0',
      '--port',
      String(port),
      '--username',
      'n0',
      '--password',
      'n0-pw',
      '--state-dir',
      stateDir,
    ],
    { encoding: 'utf8' },
  );
  expect(add.stdout).toMatch(/applied to the running server/);
}

/** node-0's id as the admin sees it, via the name redirect (301 Location: /redfish/v1/Systems/<uuid>). */
async function node0Id(url: string, curlAuth: string[]): Promise<string> {
  const loc = await run('curl', [...curlAuth, '-o', '/dev/null', '-w', '%{redirect_url}', `${url}/Systems/node-0`]);
  return loc.stdout.split('/').pop()!;
}

gate.describe('per-node accounts on Redfish (real python3-sushy and redfishtool against serve)', () => {
  let serve: ServeProcess;
  let stateDir: string;
  let ids: { own: string; other: string };

  const url = () => `https://127.0.0.1:${serve.redfishPort}/redfish/v1`;
  const curlAuth = (userPass: string) => ['-s', '--cacert', join(stateDir, 'tls', 'ca.crt'), '-u', userPass];
  const curlJson = async (userPass: string, path: string) =>
    JSON.parse((await run('curl', [...curlAuth(userPass), `${url()}${path}`])).stdout) as {
      Members: Array<{ '@odata.id': string }>;
    };
  /** A session login by curl: the token and the session's URI. */
  const curlLogin = async (user: string, password: string) => {
    const r = await run('curl', [
      ...['-s', '--cacert', join(stateDir, 'tls', 'ca.crt'), '-D', '-', '-o', '/dev/null'],
      ...['-H', 'Content-Type: application/json', '--data', JSON.stringify({ UserName: user, Password: password })],
      `${url()}/SessionService/Sessions`,
    ]);
    return {
      status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(r.stdout)?.[1]),
      token: /^x-auth-token: (\S+)/im.exec(r.stdout)?.[1] ?? '',
      location: /^location: (\S+)/im.exec(r.stdout)?.[1] ?? '',
    };
  };
  const curlToken = async (token: string, path: string) =>
    run('curl', [
      ...['-s', '--cacert', join(stateDir, 'tls', 'ca.crt'), '-H', `X-Auth-Token: ${token}`],
      ...['-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${serve.redfishPort}${path}`],
    ]);
  const redfishtool = (user: string, password: string, ...args: string[]) =>
    run('redfishtool', [
      ...['-r', `127.0.0.1:${serve.redfishPort}`, '-u', user, '-p', password, '-S', 'Always', '-A', 'Session'],
      ...args,
    ]);

  const sushyAs = async (user: string, password: string, auth: SushyAuth = 'auto'): Promise<Seen> => {
    // requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override sushy's `verify=`: run the script without them.
    const r = await run('env', [
      '-u',
      'REQUESTS_CA_BUNDLE',
      '-u',
      'CURL_CA_BUNDLE',
      DEBIAN_PYTHON,
      SCRIPT,
      url(),
      user,
      password,
      ids.other,
      join(stateDir, 'tls', 'ca.crt'),
      auth,
    ]);
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-1500)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Seen;
  };

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-rf-accounts-');
    serve = await startServe({ nodes: 2, stateDir });
    await addNode0(stateDir);
    const own = await node0Id(url(), curlAuth('admin:password'));
    const all = await curlJson('admin:password', '/Systems');
    const other = all.Members.map((m) => m['@odata.id'].split('/').pop()!).find((id) => id !== own)!;
    ids = { own, other };
  });
  afterAll(() => serve?.stop());

  it('the per-node account lists its own system only; reading or resetting another is 404', async () => {
    const seen = await sushyAs('n0', 'n0-pw');
    expect(seen.systems).toEqual([ids.own]);
    expect(seen.own_power).toMatch(/^PowerState\./);
    expect(seen.get_other).toBe(404);
    expect(seen.reset_other).toBe(404);
  });

  it('the top-level admin sees every system and may reset another', async () => {
    const seen = await sushyAs('admin', 'password');
    expect(seen.systems.sort()).toEqual([ids.own, ids.other].sort());
    expect(seen.get_other).toBe(200);
    expect(seen.reset_other).toBe(200);
  });

  it('a wrong password for the per-node account is 401', async () => {
    const r = await run('curl', [...curlAuth('n0:wrong'), '-o', '/dev/null', '-w', '%{http_code}', `${url()}/Systems`]);
    expect(r.stdout).toBe('401');
  });

  it('SessionAuth (no fall back to Basic): its system only, its own session only, and it logs out', async () => {
    const admin = await curlLogin('admin', 'password');
    expect(admin.status).toBe(201);
    const seen = await sushyAs('n0', 'n0-pw', 'session');
    expect(seen.session).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[\w-]+$/);
    expect(seen.systems).toEqual([ids.own]);
    expect(seen.own_power).toMatch(/^PowerState\./);
    expect(seen.get_other).toBe(404);
    expect(seen.reset_other).toBe(404);
    expect(seen.sessions_seen).toEqual([seen.session]); // not the admin's
    expect(seen.logout).toBe('ok');
    expect(await curlToken(admin.token, seen.session!)).toMatchObject({ stdout: '404' }); // gone
    expect(await curlToken(admin.token, admin.location)).toMatchObject({ stdout: '200' });
  });

  it("sushy's default SessionOrBasicAuth gets a session for the per-node account (no Basic fall back)", async () => {
    const seen = await sushyAs('n0', 'n0-pw', 'auto');
    expect(seen.session).not.toBeNull();
    expect(seen.systems).toEqual([ids.own]);
    expect(seen.reset_other).toBe(404);
  });

  it("deleting another account's session is refused and leaves it working", async () => {
    const admin = await curlLogin('admin', 'password');
    const mine = await curlLogin('n0', 'n0-pw');
    const del = await run('curl', [
      ...['-s', '--cacert', join(stateDir, 'tls', 'ca.crt'), '-H', `X-Auth-Token: ${mine.token}`, '-X', 'DELETE'],
      ...['-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${serve.redfishPort}${admin.location}`],
    ]);
    expect(del.stdout).toBe('404');
    expect(await curlToken(admin.token, '/redfish/v1/Systems')).toMatchObject({ stdout: '200' });
  });

  it('redfishtool -A Session: lists its own system only; a reset of another is refused', async () => {
    const list = await redfishtool('n0', 'n0-pw', 'Systems');
    expect(list.code, list.stderr).toBe(0);
    const members = (JSON.parse(list.stdout) as { Members: Array<{ '@odata.id': string }> }).Members;
    expect(members.map((m) => m['@odata.id'].split('/').pop())).toEqual([ids.own]);
    const own = await redfishtool('n0', 'n0-pw', '-I', ids.own, 'Systems', 'get', 'PowerState');
    expect(own.code, own.stderr).toBe(0);
    const other = await redfishtool('n0', 'n0-pw', '-I', ids.other, 'Systems', 'reset', 'ForceOff');
    expect(other.code).not.toBe(0);
    // the collection it is shown does not hold the other system, so redfishtool finds nothing to reset
    expect(other.stdout + other.stderr).toMatch(/404|Not Found|no match found/i);
    const bad = await redfishtool('n0', 'wrong', 'Systems');
    expect(bad.code).not.toBe(0);
  });

  it('`bmc set --password`: the old session and the old credentials are refused at once, the new ones work', async () => {
    const s = await curlLogin('n0', 'n0-pw');
    expect(s.status).toBe(201);
    expect(await curlToken(s.token, '/redfish/v1/Systems')).toMatchObject({ stdout: '200' });
    const set = spawnSync(
      process.execPath,
      [BIN, 'bmc', 'set', 'node-0', '--password', 'n0-new-pw', '--state-dir', stateDir],
      {
        encoding: 'utf8',
      },
    );
    expect(set.status, set.stderr).toBe(0);
    expect(await curlToken(s.token, '/redfish/v1/Systems')).toMatchObject({ stdout: '401' });
    expect((await curlLogin('n0', 'n0-pw')).status).toBe(401);
    const again = await curlLogin('n0', 'n0-new-pw');
    expect(again.status).toBe(201);
    expect((await curlJson('n0:n0-new-pw', '/Systems')).Members.map((m) => m['@odata.id'].split('/').pop())).toEqual([
      ids.own,
    ]);
    const del = spawnSync(process.execPath, [BIN, 'bmc', 'delete', 'node-0', '--state-dir', stateDir], {
      encoding: 'utf8',
    });
    expect(del.status, del.stderr).toBe(0);
    expect(await curlToken(again.token, '/redfish/v1/Systems')).toMatchObject({ stdout: '401' });
  });
});

ironicGate.describe('Ironic 21.4 validates power with a per-node account by session', () => {
  let serve: ServeProcess;
  let stateDir: string;
  let ironic: Ironic;

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-rf-ironic-n0-');
    serve = await startServe({ nodes: 2, stateDir });
    await addNode0(stateDir);
    ironic = await startIronic();
  }, 150_000);
  afterAll(async () => {
    await ironic?.stop();
    await serve?.stop();
  });

  it('enrolls node-0 as n0 with redfish_auth_type session: power validates, the power state is read', async () => {
    const base = `https://127.0.0.1:${serve.redfishPort}`;
    const ca = join(stateDir, 'tls', 'ca.crt');
    const own = await node0Id(`${base}/redfish/v1`, ['-s', '--cacert', ca, '-u', 'admin:password']);
    const n = await enrollAndManage(ironic, 'per-node-0', {
      redfish_address: base,
      redfish_system_id: `/redfish/v1/Systems/${own}`,
      redfish_username: 'n0',
      redfish_password: 'n0-pw',
      redfish_verify_ca: ca,
      redfish_auth_type: 'session',
    });
    expect(n.power_state).toBe('power off');
    // Ironic keeps its sushy client: its session is the n0 session the admin sees
    const sessions = await run('curl', [
      '-s',
      '--cacert',
      ca,
      '-u',
      'admin:password',
      `${base}/redfish/v1/SessionService/Sessions?$expand=.`,
    ]);
    const users = (JSON.parse(sessions.stdout) as { Members: Array<{ UserName?: string }> }).Members.map(
      (s) => s.UserName,
    );
    expect(users).toContain('n0');
  }, 120_000);
});
