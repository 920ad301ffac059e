/**
 * What the DMTF Redfish Protocol Validator found (docs/redfish.md, "Conformance"): one test per failed
 * assertion, named after the validator's assertion id, so CI keeps the fix without running the validator.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describedByLink } from '../src/app.js';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

let h: AppHarness;
beforeAll(async () => {
  h = await appHarness();
});
afterAll(async () => {
  await h?.close();
});

const messageIds = (res: request.Response): string[] =>
  (res.body.error['@Message.ExtendedInfo'] as Array<{ MessageId: string }>).map((m) => m.MessageId.split('.').pop()!);

describe('Service requests (REQ_)', () => {
  it('REQ_HEADERS_ODATA_VERSION: OData-Version 4.0 is served, any other version is 412', async () => {
    const ok = await request(h.app)
      .get('/redfish/v1/')
      .set('OData-Version', '4.0')
      .auth(...ADMIN);
    expect(ok.status).toBe(200);
    const bad = await request(h.app)
      .get('/redfish/v1/')
      .set('OData-Version', '4.1')
      .auth(...ADMIN);
    expect(bad.status).toBe(412);
    expect(messageIds(bad)).toContain('HeaderInvalid');
    // the check runs after authentication: no credentials is still 401
    const anon = await request(h.app).get('/redfish/v1/Systems').set('OData-Version', '4.1');
    expect(anon.status).toBe(401);
    const md = await request(h.app).get('/redfish/v1/$metadata').set('OData-Version', '3.0');
    expect(md.status).toBe(412);
  });

  it('REQ_QUERY_UNSUPPORTED_DOLLAR_PARAMS: an unknown $ parameter is 501, unknown plain ones are ignored', async () => {
    const dollar = await request(h.app)
      .get('/redfish/v1/?$rpvunknown')
      .auth(...ADMIN);
    expect(dollar.status).toBe(501);
    expect(messageIds(dollar)).toContain('QueryParameterUnsupported');
    for (const q of ['$top=1', '$skip=1', '$filter=Id%20eq%20%27x%27']) {
      expect(
        (
          await request(h.app)
            .get(`/redfish/v1/Systems?${q}`)
            .auth(...ADMIN)
        ).status,
        q,
      ).toBe(501);
    }
    // REQ_QUERY_IGNORE_UNSUPPORTED
    expect(
      (
        await request(h.app)
          .get('/redfish/v1/?rpvunknown')
          .auth(...ADMIN)
      ).status,
    ).toBe(200);
    // the ones we advertise still work
    const sel = await request(h.app)
      .get('/redfish/v1/Systems?$select=Name')
      .auth(...ADMIN);
    expect(sel.status).toBe(200);
    expect(Object.keys(sel.body).filter((k) => !k.startsWith('@odata'))).toEqual(['Name']);
  });

  it('REQ_PATCH_ODATA_PROPS: a PATCH of only OData annotations is 400 NoOperation', async () => {
    const r = await request(h.app)
      .patch('/redfish/v1/AccountService/Accounts/1')
      .auth(...ADMIN)
      .send({ '@odata.id': '/redfish/v1/AccountService/Accounts/1/' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toMatch(/NoOperation$/);
    // an annotation next to a real property is still judged property by property
    const mixed = await request(h.app)
      .patch('/redfish/v1/AccountService/Accounts/1')
      .auth(...ADMIN)
      .send({ '@odata.id': 'x', BogusProp: 1 });
    expect(mixed.status).toBe(400);
    expect(messageIds(mixed)).toEqual(expect.arrayContaining(['PropertyNotWritable', 'PropertyUnknown']));
  });

  it('REQ_POST_CREATE_TO_MEMBERS_PROP: POST to <collection>/Members creates like POST to the collection', async () => {
    const login = await request(h.app)
      .post('/redfish/v1/SessionService/Sessions/Members')
      .send({ UserName: ADMIN[0], Password: ADMIN[1] });
    expect(login.status).toBe(201);
    expect(login.headers.location).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[^/]+$/);
    expect(login.headers['x-auth-token']).toBeTruthy();
    const acct = await request(h.app)
      .post('/redfish/v1/AccountService/Accounts/Members')
      .auth(...ADMIN)
      .send({ UserName: 'membersalias', Password: 'Members-Alias-1', RoleId: 'ReadOnly' });
    expect(acct.status).toBe(201);
    expect(acct.headers.location).toMatch(/^\/redfish\/v1\/AccountService\/Accounts\/\w+$/);
    // a GET of .../Members is not an alias (it is no resource), and a non-creatable collection stays 405
    expect(
      (
        await request(h.app)
          .get('/redfish/v1/Systems/Members')
          .auth(...ADMIN)
      ).status,
    ).not.toBe(200);
    expect(
      (
        await request(h.app)
          .post('/redfish/v1/Systems/Members')
          .auth(...ADMIN)
          .send({})
      ).status,
    ).toBe(405);
  });
});

describe('Service responses (RESP_)', () => {
  it('RESP_HEADERS_LINK_REL_DESCRIBED_BY: GET and HEAD carry Link rel=describedby matching @odata.type', async () => {
    for (const path of ['/redfish/v1/', '/redfish/v1/Systems', h.sys, '/redfish/v1/AccountService/Accounts']) {
      const r = await request(h.app)
        .get(path)
        .auth(...ADMIN);
      expect(r.status, path).toBe(200);
      // RESP_HEADERS_LINK_SCHEMA_VER_MATCH: the schema's version is the @odata.type's version
      const [, name, version] = /^#(\w+)\.(?:(v\d+_\d+_\d+)\.)?\w+$/.exec(r.body['@odata.type'])!;
      const file = version ? `${name}.${version}.json` : `${name}.json`;
      expect(r.headers.link, path).toBe(`<https://redfish.dmtf.org/schemas/v1/${file}>; rel=describedby`);
      const head = await request(h.app)
        .head(path)
        .auth(...ADMIN);
      expect(head.headers.link, path).toBe(r.headers.link);
    }
  });

  it('describedByLink ignores what is not an @odata.type', () => {
    expect(describedByLink(undefined)).toBeUndefined();
    expect(describedByLink('ServiceRoot')).toBeUndefined();
    expect(describedByLink('#Bad type.v1_0_0.X')).toBeUndefined();
  });
});

describe('Session tokens', () => {
  it('RESP_HEADERS_X_AUTH_TOKEN: the token is 256 random bits in hex, so its randomness can be checked', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await request(h.app)
        .post('/redfish/v1/SessionService/Sessions')
        .send({ UserName: ADMIN[0], Password: ADMIN[1] });
      expect(r.status).toBe(201);
      tokens.push(r.headers['x-auth-token']);
    }
    for (const t of tokens) expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    // NIST SP 800-22 frequency (monobit) test over all 2048 bits, as the validator runs it per token
    const bits = tokens.map((t) => BigInt(`0x${t}`).toString(2).padStart(256, '0')).join('');
    const sum = [...bits].reduce((a, b) => a + (b === '1' ? 1 : -1), 0);
    expect(Math.abs(sum) / Math.sqrt(bits.length)).toBeLessThan(3.3); // p > 0.001
  });
});

describe('Service details (SERV_)', () => {
  it('SERV_EVENT_ERROR_MUTUALLY_EXCL_PROPS: RegistryPrefixes with MessageIds is 400 and creates nothing', async () => {
    const before = (
      await request(h.app)
        .get('/redfish/v1/EventService/Subscriptions')
        .auth(...ADMIN)
    ).body['Members@odata.count'];
    const r = await request(h.app)
      .post('/redfish/v1/EventService/Subscriptions')
      .auth(...ADMIN)
      .send({
        Destination: 'http://127.0.0.1:9/events',
        Protocol: 'Redfish',
        RegistryPrefixes: ['Base'],
        MessageIds: ['Base.1.0.Success'],
      });
    expect(r.status).toBe(400);
    expect(messageIds(r)).toContain('PropertyValueConflict');
    expect(r.headers.location).toBeUndefined();
    const after = (
      await request(h.app)
        .get('/redfish/v1/EventService/Subscriptions')
        .auth(...ADMIN)
    ).body['Members@odata.count'];
    expect(after).toBe(before);
  });
});
