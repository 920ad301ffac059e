/**
 * Sessions for accounts kept outside the Redfish account store: a registered BMC's own account (scoped to
 * its node, as its Basic auth is) and an htpasswd entry; both end at once when their account changes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HtpasswdAccounts } from '@bmc-emu/manage';
import { type BmcEntry, demoNodes, MemoryDriver, MutableBmcDirectory, type Node, sharedSettings } from '@bmc-emu/core';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedfishApp, type RedfishApp, redfishSection } from '../src/index.js';
import { ADMIN } from './app-harness.js';

const SESSIONS = '/redfish/v1/SessionService/Sessions';
const sha = (pw: string) => `{SHA}${createHash('sha1').update(pw).digest('base64')}`;

let dir: string;
let htpasswd: string;
let app: RedfishApp;
let driver: MemoryDriver;
let directory: MutableBmcDirectory;
let nodes: Node[];

const bmc = (node: Node, user: string, password: string, more: Partial<BmcEntry> = {}): BmcEntry => ({
  node: node.name,
  port: 6230 + nodes.indexOf(node),
  user,
  password,
  active: true,
  ...more,
});

/** The htpasswd file replaced the way `htpasswd` does it (a new inode), so the next request re-reads it. */
async function writeHtpasswd(lines: string[]): Promise<void> {
  await writeFile(`${htpasswd}.new`, lines.join('\n') + '\n');
  await rename(`${htpasswd}.new`, htpasswd);
}

async function login(user: string, password: string) {
  const r = await request(app).post(SESSIONS).send({ UserName: user, Password: password });
  return { status: r.status, token: r.headers['x-auth-token'] as string, location: r.headers.location as string };
}

const withToken = (token: string) => ({
  get: (path: string) => request(app).get(path).set('X-Auth-Token', token),
  post: (path: string, body: unknown) => request(app).post(path).set('X-Auth-Token', token).send(body),
  delete: (path: string) => request(app).delete(path).set('X-Auth-Token', token),
});

const members = (r: request.Response): string[] =>
  (r.body.Members as Array<{ '@odata.id': string }>).map((m) => m['@odata.id']);
const reset = (id: string) => `/redfish/v1/Systems/${id}/Actions/ComputerSystem.Reset`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfscoped-'));
  htpasswd = join(dir, 'htpasswd');
  await writeHtpasswd([`ironic:${sha('ir0nic-pw')}`]);
  driver = new MemoryDriver({ nodes: demoNodes(3), transitionMs: 0 });
  nodes = await driver.list();
  directory = new MutableBmcDirectory();
  app = createRedfishApp({
    driver,
    settings: redfishSection.parse({ tls: false, port: 0 }),
    shared: sharedSettings({ stateDir: join(dir, 'state') }),
    directory,
    passwordFile: new HtpasswdAccounts(htpasswd),
  });
});
afterAll(async () => {
  app?.shutdown();
  await driver?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await directory.set([]); // ends the BMC sessions of the test before
  await directory.set([bmc(nodes[0]!, 'n0', 'n0-pw'), bmc(nodes[1]!, 'n1', 'n1-pw')]);
});

describe('a session of a BMC account has the scope its Basic auth has', () => {
  it('lists its own system only; another system is 404 to read and to reset', async () => {
    const s = await login('n0', 'n0-pw');
    expect(s.status).toBe(201);
    const rf = withToken(s.token);
    const systems = await rf.get('/redfish/v1/Systems');
    expect(systems.status).toBe(200);
    expect(members(systems)).toEqual([`/redfish/v1/Systems/${nodes[0]!.id}`]);
    expect((await rf.get(`/redfish/v1/Systems/${nodes[1]!.id}`)).status).toBe(404);
    expect((await rf.get(`/redfish/v1/Managers/${nodes[1]!.id}`)).status).toBe(404);
    expect((await rf.post(reset(nodes[1]!.id), { ResetType: 'On' })).status).toBe(404);
    expect((await driver.get(nodes[1]!.id)).powerState).toBe('Off');
    const own = await rf.post(reset(nodes[0]!.id), { ResetType: 'On' });
    expect(own.status, JSON.stringify(own.body)).toBeLessThan(300);
    expect((await driver.get(nodes[0]!.id)).powerState).toMatch(/^(On|PoweringOn)$/);
    // an Operator: the account service is not its to change
    const create = await rf.post('/redfish/v1/AccountService/Accounts', {
      UserName: 'x1',
      Password: 'x1-Passw0rd',
      RoleId: 'ReadOnly',
    });
    expect(create.status).toBe(403);
  });

  it('sees only its own session; reading or deleting another is 404 and leaves it working', async () => {
    const mine = await login('n0', 'n0-pw');
    const theirs = await login('n1', 'n1-pw');
    const admin = await login(...ADMIN);
    const list = await withToken(mine.token).get(SESSIONS);
    expect(members(list)).toEqual([mine.location]);
    expect((await withToken(mine.token).get(theirs.location)).status).toBe(404);
    expect((await withToken(mine.token).delete(theirs.location)).status).toBe(404);
    expect((await withToken(mine.token).delete(admin.location)).status).toBe(404);
    expect((await withToken(theirs.token).get('/redfish/v1/Systems')).status).toBe(200);
    // Basic auth with the same credentials is the same account: it sees that session too
    const basic = await request(app).get(SESSIONS).auth('n0', 'n0-pw');
    expect(members(basic)).toEqual([mine.location]);
    // the top-level admin sees them all
    const all = members(await withToken(admin.token).get(SESSIONS));
    expect(all).toEqual(expect.arrayContaining([mine.location, theirs.location, admin.location]));
    expect((await withToken(mine.token).delete(mine.location)).status).toBe(204);
    expect((await withToken(mine.token).get('/redfish/v1/Systems')).status).toBe(401);
  });

  it('the same user name with another password on another BMC is another account', async () => {
    await directory.set([bmc(nodes[0]!, 'ops', 'pw-a'), bmc(nodes[1]!, 'ops', 'pw-b')]);
    const a = await login('ops', 'pw-a');
    const b = await login('ops', 'pw-b');
    expect(members(await withToken(a.token).get('/redfish/v1/Systems'))).toEqual([
      `/redfish/v1/Systems/${nodes[0]!.id}`,
    ]);
    expect(members(await withToken(b.token).get('/redfish/v1/Systems'))).toEqual([
      `/redfish/v1/Systems/${nodes[1]!.id}`,
    ]);
    expect(members(await withToken(a.token).get(SESSIONS))).toEqual([a.location]);
    expect((await withToken(a.token).delete(b.location)).status).toBe(404);
  });

  it('one account on two BMCs sees both systems, and keeps the one left when the other goes', async () => {
    await directory.set([bmc(nodes[0]!, 'pair', 'pair-pw'), bmc(nodes[2]!, 'pair', 'pair-pw')]);
    const s = await login('pair', 'pair-pw');
    const ids = (r: request.Response) => members(r).sort();
    expect(ids(await withToken(s.token).get('/redfish/v1/Systems'))).toEqual(
      [nodes[0]!, nodes[2]!].map((n) => `/redfish/v1/Systems/${n.id}`).sort(),
    );
    await directory.set([bmc(nodes[2]!, 'pair', 'pair-pw')]);
    expect(ids(await withToken(s.token).get('/redfish/v1/Systems'))).toEqual([`/redfish/v1/Systems/${nodes[2]!.id}`]);
    expect((await withToken(s.token).get(`/redfish/v1/Systems/${nodes[0]!.id}`)).status).toBe(404);
  });

  it('a wrong password or an inactive BMC logs in to nothing', async () => {
    expect((await login('n0', 'wrong')).status).toBe(401);
    await directory.set([bmc(nodes[0]!, 'n0', 'n0-pw', { active: false })]);
    expect((await login('n0', 'n0-pw')).status).toBe(401);
  });
});

describe('a changed or deleted BMC account ends its sessions at once', () => {
  const gone = async (token: string, location: string) => {
    expect((await withToken(token).get('/redfish/v1/Systems')).status).toBe(401);
    const admin = await login(...ADMIN);
    expect(members(await withToken(admin.token).get(SESSIONS))).not.toContain(location);
  };

  it('a new password: the old session and the old credentials are refused, the new ones log in', async () => {
    const s = await login('n0', 'n0-pw');
    await directory.set([bmc(nodes[0]!, 'n0', 'n0-new-pw'), bmc(nodes[1]!, 'n1', 'n1-pw')]);
    await gone(s.token, s.location);
    expect((await login('n0', 'n0-pw')).status).toBe(401);
    expect((await request(app).get('/redfish/v1/Systems').auth('n0', 'n0-pw')).status).toBe(401);
    const again = await login('n0', 'n0-new-pw');
    expect(again.status).toBe(201);
    expect(members(await withToken(again.token).get('/redfish/v1/Systems'))).toEqual([
      `/redfish/v1/Systems/${nodes[0]!.id}`,
    ]);
  });

  it('a renamed user, a stopped BMC and a deleted BMC each end it', async () => {
    for (const change of [
      [bmc(nodes[0]!, 'n0-renamed', 'n0-pw')],
      [bmc(nodes[0]!, 'n0', 'n0-pw', { active: false })],
      [bmc(nodes[1]!, 'n1', 'n1-pw')],
    ]) {
      await directory.set([bmc(nodes[0]!, 'n0', 'n0-pw'), bmc(nodes[1]!, 'n1', 'n1-pw')]);
      const s = await login('n0', 'n0-pw');
      const other = await login('n1', 'n1-pw');
      await directory.set(change);
      await gone(s.token, s.location);
      if (change.some((e) => e.node === nodes[1]!.name))
        expect((await withToken(other.token).get('/redfish/v1/Systems')).status).toBe(200);
    }
  });

  it('a change that keeps the credentials (another port) keeps the session', async () => {
    const s = await login('n0', 'n0-pw');
    await directory.set([bmc(nodes[0]!, 'n0', 'n0-pw', { port: 7000 }), bmc(nodes[1]!, 'n1', 'n1-pw')]);
    expect((await withToken(s.token).get('/redfish/v1/Systems')).status).toBe(200);
  });
});

describe('logging out', () => {
  it("a ReadOnly account may end its own session, and not the admin's", async () => {
    const admin = await login(...ADMIN);
    const created = await withToken(admin.token).post('/redfish/v1/AccountService/Accounts', {
      UserName: 'reader',
      Password: 'reader-Passw0rd',
      RoleId: 'ReadOnly',
    });
    expect(created.status).toBe(201);
    const s = await login('reader', 'reader-Passw0rd');
    expect((await withToken(s.token).delete(admin.location)).status).toBe(404);
    expect((await withToken(s.token).delete(s.location)).status).toBe(204);
    expect((await withToken(s.token).get('/redfish/v1/Systems')).status).toBe(401);
    expect((await withToken(admin.token).get('/redfish/v1/Systems')).status).toBe(200);
  });
});

describe('a session of an htpasswd account', () => {
  it('is an Administrator that sees every system, and ends when its entry changes or goes', async () => {
    const s = await login('ironic', 'ir0nic-pw');
    expect(s.status).toBe(201);
    const systems = await withToken(s.token).get('/redfish/v1/Systems');
    expect(members(systems)).toHaveLength(3);
    const mine = await withToken(s.token).get(s.location);
    expect(mine.body.UserName).toBe('ironic');
    expect((await login('ironic', 'wrong')).status).toBe(401);

    await writeHtpasswd([`ironic:${sha('rotated-pw')}`]);
    expect((await withToken(s.token).get('/redfish/v1/Systems')).status).toBe(401);
    const rotated = await login('ironic', 'rotated-pw');
    expect(rotated.status).toBe(201);
    await writeHtpasswd([`other:${sha('other-pw')}`]);
    expect((await withToken(rotated.token).get('/redfish/v1/Systems')).status).toBe(401);
    const admin = await login(...ADMIN);
    expect(members(await withToken(admin.token).get(SESSIONS))).not.toContain(rotated.location);
    await writeHtpasswd([`ironic:${sha('ir0nic-pw')}`]);
  });
});
