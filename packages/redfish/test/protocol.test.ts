import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_MESSAGES } from '../src/codec/messages.js';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

let h: AppHarness;
beforeAll(async () => {
  h = await appHarness();
});
afterAll(async () => {
  await h?.close();
});

const get = (path: string) =>
  request(h.app)
    .get(path)
    .auth(...ADMIN);
const ids = (res: request.Response): string[] =>
  (res.body.error['@Message.ExtendedInfo'] as Array<{ MessageId: string }>).map((m) => m.MessageId.split('.').pop()!);

function expectRedfishError(res: request.Response, status: number, messageId: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toMatch(/^Base\.1\.16\.0\./);
  expect(typeof res.body.error.message).toBe('string');
  for (const m of res.body.error['@Message.ExtendedInfo']) {
    expect(Object.keys(BASE_MESSAGES)).toContain(m.MessageId.split('.').pop());
    expect(m).toHaveProperty('Severity');
    expect(m).toHaveProperty('Resolution');
  }
  expect(ids(res)).toContain(messageId);
}

describe('open resources and authentication', () => {
  it('serves /redfish, the service root, $metadata and odata without credentials', async () => {
    expect((await request(h.app).get('/redfish')).body).toEqual({ v1: '/redfish/v1/' });
    const root = await request(h.app).get('/redfish/v1/');
    expect(root.status).toBe(200);
    expect(root.body).toMatchObject({
      Id: 'RootService',
      Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
    });
    expect(root.headers['odata-version']).toBe('4.0');
    const md = await request(h.app).get('/redfish/v1/$metadata');
    expect(md.status).toBe(200);
    expect(md.headers['content-type']).toMatch(/xml/);
    expect(md.text).toContain('ComputerSystem');
    expect((await request(h.app).get('/redfish/v1/odata')).body.value.length).toBeGreaterThan(5);
  });

  it('everything else needs credentials', async () => {
    const r = await request(h.app).get('/redfish/v1/Systems');
    expectRedfishError(r, 401, 'NoValidSession');
    expect(r.headers['www-authenticate']).toMatch(/Basic/);
    expectRedfishError(await request(h.app).get('/redfish/v1/Systems').auth('admin', 'wrong'), 401, 'NoValidSession');
    expectRedfishError(
      await request(h.app).get('/redfish/v1/Systems').set('X-Auth-Token', 'bogus'),
      401,
      'NoValidSession',
    );
  });

  it('sessions: POST returns X-Auth-Token + Location, the token works, DELETE logs out', async () => {
    const login = await request(h.app)
      .post('/redfish/v1/SessionService/Sessions')
      .send({ UserName: 'admin', Password: 'password' });
    expect(login.status).toBe(201);
    const token = login.headers['x-auth-token'];
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(login.headers.location).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[\w-]+$/);
    expect((await request(h.app).get('/redfish/v1/Systems').set('X-Auth-Token', token)).status).toBe(200);
    const out = await request(h.app).delete(login.headers.location).set('X-Auth-Token', token);
    expect(out.status).toBe(204);
    expectRedfishError(
      await request(h.app).get('/redfish/v1/Systems').set('X-Auth-Token', token),
      401,
      'NoValidSession',
    );
    const bad = await request(h.app)
      .post('/redfish/v1/SessionService/Sessions')
      .send({ UserName: 'admin', Password: 'x' });
    expectRedfishError(bad, 401, 'NoValidSession');
  });

  it('roles are enforced: ReadOnly reads but cannot reset; Operator can; only Administrator manages accounts', async () => {
    for (const [user, role] of [
      ['viewer', 'ReadOnly'],
      ['op', 'Operator'],
    ]) {
      const r = await request(h.app)
        .post('/redfish/v1/AccountService/Accounts')
        .auth(...ADMIN)
        .send({ UserName: user, Password: `${user}-pw`, RoleId: role });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.Password).toBeNull();
    }
    expect((await request(h.app).get(h.sys).auth('viewer', 'viewer-pw')).status).toBe(200);
    const reset = `${h.sys}/Actions/ComputerSystem.Reset`;
    expectRedfishError(
      await request(h.app).post(reset).auth('viewer', 'viewer-pw').send({ ResetType: 'On' }),
      403,
      'InsufficientPrivilege',
    );
    expect((await h.driver.get(h.node.id)).powerState).toBe('Off');
    const ok = await request(h.app).post(reset).auth('op', 'op-pw').send({ ResetType: 'On' });
    expect([202, 204]).toContain(ok.status);
    expect(['On', 'PoweringOn']).toContain((await h.driver.get(h.node.id)).powerState);
    expectRedfishError(
      await request(h.app)
        .post('/redfish/v1/AccountService/Accounts')
        .auth('op', 'op-pw')
        .send({ UserName: 'x', Password: 'y', RoleId: 'Administrator' }),
      403,
      'InsufficientPrivilege',
    );
    const accounts = await get('/redfish/v1/AccountService/Accounts?$expand=.($levels=1)');
    const viewer = accounts.body.Members.find((m: { UserName: string }) => m.UserName === 'viewer');
    expect(viewer.RoleId).toBe('ReadOnly');
    const pw = await request(h.app).patch(viewer['@odata.id']).auth('viewer', 'viewer-pw').send({ Password: 'new-pw' });
    expect(pw.status, JSON.stringify(pw.body)).toBe(200);
    expect((await request(h.app).get(h.sys).auth('viewer', 'new-pw')).status).toBe(200);
    expect((await request(h.app).get(h.sys).auth('viewer', 'viewer-pw')).status).toBe(401);
    expectRedfishError(
      await request(h.app).patch(viewer['@odata.id']).auth('viewer', 'new-pw').send({ RoleId: 'Administrator' }),
      400,
      'PropertyNotWritable',
    );
  });
});

describe('resources', () => {
  it('every GET carries an ETag equal to @odata.etag; If-None-Match answers 304', async () => {
    const r = await get(h.sys);
    expect(r.headers.etag).toBe(r.body['@odata.etag']);
    expect(r.headers.allow).toBe('GET, HEAD, PATCH');
    const again = await get(h.sys).set('If-None-Match', r.headers.etag);
    expect(again.status).toBe(304);
  });

  it('redirects a node name to its UUID URL', async () => {
    const r = await get(`/redfish/v1/Systems/${h.node.name}/Bios`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`${h.sys}/Bios`);
  });

  it('reports memory as a real number of GiB and has a real Memory route', async () => {
    const h2 = await appHarness();
    try {
      const id = h2.node.id;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- poke the memory node's size
      (h2.driver as any).nodes.get(id).memoryMiB = 256;
      const r = await request(h2.app)
        .get(`/redfish/v1/Systems/${id}`)
        .auth(...ADMIN);
      expect(r.body.MemorySummary.TotalSystemMemoryGiB).toBe(0.25);
      const mem = await request(h2.app)
        .get(`/redfish/v1/Systems/${id}/Memory/DIMM0`)
        .auth(...ADMIN);
      expect(mem.body.CapacityMiB).toBe(256);
    } finally {
      await h2.close();
    }
  });

  it('$select, $expand and only', async () => {
    const sel = await get(`${h.sys}?$select=PowerState,Boot`);
    expect(Object.keys(sel.body).filter((k) => !k.startsWith('@odata'))).toEqual(['PowerState', 'Boot']);
    const exp = await get('/redfish/v1/Systems?$expand=.($levels=1)');
    expect(exp.body.Members[0].PowerState).toBeDefined();
    const only = await get(`${h.sys}/Processors?only`);
    expect(only.body.Id).toBe('CPU0');
    expectRedfishError(await get('/redfish/v1/Systems?$expand=zz'), 400, 'QueryParameterValueFormatError');
  });

  it('inventory: NICs with enabled status, storage from disks, manager links virtual media', async () => {
    const nic = await get(`${h.sys}/EthernetInterfaces/nic0`);
    expect(nic.body).toMatchObject({
      MACAddress: h.node.nics[0]!.mac,
      Status: { State: 'Enabled', Health: 'OK' },
      LinkStatus: 'LinkUp',
    });
    const vol = await get(`${h.sys}/Storage/1/Volumes/vda`);
    expect(vol.body.CapacityBytes).toBe(20 * 1024 ** 3);
    const mgr = await get(`/redfish/v1/Managers/${h.node.id}`);
    expect(mgr.body).toMatchObject({
      ManagerType: 'BMC',
      VirtualMedia: { '@odata.id': `/redfish/v1/Managers/${h.node.id}/VirtualMedia` },
    });
    expect((await get(`/redfish/v1/Managers/${h.node.id}/VirtualMedia/Cd`)).body.MediaTypes).toEqual(['CD', 'DVD']);
    expect((await get('/redfish/v1/Registries/Base/Base.json')).body.Messages.PropertyUnknown).toBeDefined();
  });

  it('chassis LED persists', async () => {
    const path = `/redfish/v1/Chassis/${h.node.id}`;
    expect(
      (
        await request(h.app)
          .patch(path)
          .auth(...ADMIN)
          .send({ IndicatorLED: 'Blinking' })
      ).status,
    ).toBe(200);
    expect((await get(path)).body).toMatchObject({ IndicatorLED: 'Blinking', LocationIndicatorActive: true });
  });
});

describe('PATCH semantics', () => {
  it('If-Match: a stale ETag gets 412, the current (strong or weak) one succeeds', async () => {
    const r = await get(h.sys);
    const stale = await request(h.app)
      .patch(h.sys)
      .auth(...ADMIN)
      .set('If-Match', '"stale"')
      .send({ Boot: { BootSourceOverrideTarget: 'Pxe' } });
    expectRedfishError(stale, 412, 'PreconditionFailed');
    const weak = await request(h.app)
      .patch(h.sys)
      .auth(...ADMIN)
      .set('If-Match', `W/${r.headers.etag}`)
      .send({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
    expect(weak.status, JSON.stringify(weak.body)).toBe(200);
    expect(weak.body.Boot.BootSourceOverrideTarget).toBe('Pxe');
    expect(weak.headers.etag).not.toBe(r.headers.etag);
  });

  it('unknown and read-only properties are refused, never ignored', async () => {
    expectRedfishError(
      await request(h.app)
        .patch(h.sys)
        .auth(...ADMIN)
        .send({ Bogus: 1 }),
      400,
      'PropertyUnknown',
    );
    expectRedfishError(
      await request(h.app)
        .patch(h.sys)
        .auth(...ADMIN)
        .send({ PowerState: 'On' }),
      400,
      'PropertyNotWritable',
    );
    expectRedfishError(
      await request(h.app)
        .patch(h.sys)
        .auth(...ADMIN)
        .send({ Boot: { BootSourceOverrideTarget: 'Tape' } }),
      400,
      'PropertyValueNotInList',
    );
    expectRedfishError(
      await request(h.app)
        .patch(h.sys)
        .auth(...ADMIN)
        .send({ Boot: 'Pxe' }),
      400,
      'PropertyValueTypeError',
    );
    expectRedfishError(
      await request(h.app)
        .patch(`${h.sys}/Bios/Settings`)
        .auth(...ADMIN)
        .send({ Attributes: { NoSuchKnob: 1 } }),
      400,
      'PropertyUnknown',
    );
    expect((await h.driver.getBootOverride(h.node.id)).target).not.toBe('Tape');
  });

  it('boot override Once is consumed by one boot; Continuous persists; BIOS settings apply at reset', async () => {
    await h.driver.power(h.node.id, 'ForceOff');
    await new Promise((r) => setTimeout(r, 100));
    await request(h.app)
      .patch(h.sys)
      .auth(...ADMIN)
      .send({ Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } });
    await request(h.app)
      .patch(`${h.sys}/Bios/Settings`)
      .auth(...ADMIN)
      .send({ Attributes: { ProcTurboMode: 'Disabled' } });
    expect((await get(`${h.sys}/Bios`)).body.Attributes.ProcTurboMode).toBe('Enabled');
    expect(
      (
        await request(h.app)
          .post(`${h.sys}/Actions/ComputerSystem.Reset`)
          .auth(...ADMIN)
          .send({ ResetType: 'On' })
      ).status,
    ).toBe(204);
    await new Promise((r) => setTimeout(r, 150));
    const after = await get(h.sys);
    expect(after.body.PowerState).toBe('On');
    expect(after.body.Boot).toMatchObject({ BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None' });
    expect((await h.driver.get(h.node.id)).lastBoot?.target).toBe('Cd');
    expect((await get(`${h.sys}/Bios`)).body.Attributes.ProcTurboMode).toBe('Disabled');
    await request(h.app)
      .patch(h.sys)
      .auth(...ADMIN)
      .send({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' } });
    await request(h.app)
      .post(`${h.sys}/Actions/ComputerSystem.Reset`)
      .auth(...ADMIN)
      .send({ ResetType: 'ForceRestart' });
    expect((await get(h.sys)).body.Boot).toMatchObject({
      BootSourceOverrideEnabled: 'Continuous',
      BootSourceOverrideTarget: 'Pxe',
    });
  });
});

describe('bad input', () => {
  it('malformed JSON, huge bodies, wrong types, unknown action parameters', async () => {
    const reset = `${h.sys}/Actions/ComputerSystem.Reset`;
    expectRedfishError(
      await request(h.app)
        .post(reset)
        .auth(...ADMIN)
        .set('Content-Type', 'application/json')
        .send('{"ResetType": '),
      400,
      'MalformedJSON',
    );
    expectRedfishError(
      await request(h.app)
        .patch(h.sys)
        .auth(...ADMIN)
        .set('Content-Type', 'application/json')
        .send(`{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`),
      413,
      'PayloadTooLarge',
    );
    expectRedfishError(
      await request(h.app)
        .post(reset)
        .auth(...ADMIN)
        .send({ ResetType: 5 }),
      400,
      'ActionParameterValueTypeError',
    );
    expectRedfishError(
      await request(h.app)
        .post(reset)
        .auth(...ADMIN)
        .send({ ResetType: 'Explode' }),
      400,
      'ActionParameterValueNotInList',
    );
    expectRedfishError(
      await request(h.app)
        .post(reset)
        .auth(...ADMIN)
        .send({}),
      400,
      'ActionParameterMissing',
    );
    expectRedfishError(
      await request(h.app)
        .post(reset)
        .auth(...ADMIN)
        .send({ ResetType: 'On', Force: true }),
      400,
      'ActionParameterUnknown',
    );
    expectRedfishError(
      await request(h.app)
        .post(reset)
        .auth(...ADMIN)
        .send([1, 2]),
      400,
      'MalformedJSON',
    );
  });

  it('path tricks and unknown ids are 404 Redfish errors; wrong methods are 405 with Allow', async () => {
    for (const p of [
      '/redfish/v1/Systems/..%2f..%2fetc%2fpasswd',
      '/redfish/v1/Systems/%2e%2e/Bios',
      '/redfish/v1/Systems/no-such-node',
      '/redfish/v1/Systems/%00',
      '/redfish/v1/Nope',
      `${h.sys}/EthernetInterfaces/nic9`,
    ]) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.body.error['@Message.ExtendedInfo'].length, p).toBeGreaterThan(0);
    }
    const r = await request(h.app)
      .delete(h.sys)
      .auth(...ADMIN);
    expectRedfishError(r, 405, 'OperationNotAllowed');
    expect(r.headers.allow).toBe('GET, HEAD, PATCH');
  });

  it('driver errors map to 409 with a message a person can act on', async () => {
    await h.driver.power(h.node.id, 'ForceOff');
    await new Promise((r) => setTimeout(r, 100));
    const r = await request(h.app)
      .post(`${h.sys}/Actions/ComputerSystem.Reset`)
      .auth(...ADMIN)
      .send({ ResetType: 'ForceRestart' });
    expectRedfishError(r, 409, 'ResourceInUse');
    expect(r.body.error.message).toMatch(/powered off/);
  });
});
