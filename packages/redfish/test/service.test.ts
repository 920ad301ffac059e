import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { demoNodes, MemoryDriver, type PowerAction, sharedSettings, silentLogger } from '@bmc-emu/core';
import { createRedfishApp, RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../src/accounts.js';
import { MAX_SESSIONS, SessionStore } from '../src/sessions.js';
import { ADMIN, appHarness } from './app-harness.js';

class SlowPowerDriver extends MemoryDriver {
  override async power(id: string, action: PowerAction): Promise<void> {
    await new Promise((r) => setTimeout(r, 800));
    return super.power(id, action);
  }
}

describe('sessions and accounts', () => {
  it('a session expires after its idle timeout', async () => {
    const s = new SessionStore(60);
    const sess = s.create('1', 'admin');
    expect(s.touch(sess.token)?.id).toBe(sess.id);
    await new Promise((r) => setTimeout(r, 120));
    expect(s.touch(sess.token)).toBeUndefined();
    expect(s.list()).toHaveLength(0);
  });

  it('caps the number of live sessions, dropping the least recently used', () => {
    const s = new SessionStore(60_000);
    const first = s.create('1', 'admin');
    for (let i = 0; i < MAX_SESSIONS + 5; i++) s.create('1', 'admin');
    expect(s.list()).toHaveLength(MAX_SESSIONS);
    expect(s.touch(first.token)).toBeUndefined();
  });

  it('passwords are stored hashed, never in clear', () => {
    const a = new AccountStore({ userName: 'admin', password: 'sekrit-pw' });
    const acct = a.byName('admin')!;
    expect(JSON.stringify(acct)).not.toContain('sekrit-pw');
    expect(acct.hash.toString('utf8')).not.toContain('sekrit-pw');
    expect(a.verify('admin', 'sekrit-pw')?.id).toBe(acct.id);
    expect(a.verify('admin', 'wrong')).toBeUndefined();
  });

  it('credentials and tokens never appear in the logs, even at debug level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const driver = new MemoryDriver({ nodes: demoNodes(1) });
    const app = createRedfishApp({
      driver,
      settings: redfishSection.parse({ tls: false }),
      shared: sharedSettings({ password: 'pw-in-logs?' }),
      logger: pino({ level: 'trace' }, sink),
    });
    const login = await request(app)
      .post('/redfish/v1/SessionService/Sessions')
      .send({ UserName: 'admin', Password: 'pw-in-logs?' });
    const token = login.headers['x-auth-token'] as string;
    await request(app).get('/redfish/v1/Systems').set('X-Auth-Token', token);
    await request(app).get('/redfish/v1/Systems').auth('admin', 'pw-in-logs?');
    await request(app).get('/redfish/v1/Systems').auth('admin', 'wrong-pw-xyz');
    app.shutdown();
    await driver.close();
    const all = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(all).not.toContain('pw-in-logs?');
    expect(all).not.toContain('wrong-pw-xyz');
    expect(all).not.toContain(token);
    expect(all).not.toContain(Buffer.from('admin:pw-in-logs?').toString('base64'));
  });
});

describe('BMC state survives a restart', () => {
  it('keeps accounts as hashes in <stateDir>/redfish/accounts.json; the configured admin always works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfacct-'));
    const driver = new MemoryDriver({ nodes: demoNodes(1) });
    const start = async (password: string) => {
      const settings = redfishSection.parse({ tls: false, port: 0 });
      const shared = sharedSettings({ stateDir: dir, password });
      const s = new RedfishServer({ driver, settings, shared, logger: silentLogger(), host: '127.0.0.1' });
      await s.start();
      return s;
    };
    const auth = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    try {
      let s = await start('first-pw');
      const created = await fetch(`${s.url}/AccountService/Accounts`, {
        method: 'POST',
        headers: { ...auth('admin', 'first-pw'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ UserName: 'ops', Password: 'ops-secret', RoleId: 'Operator' }),
      });
      expect(created.status).toBe(201);
      const id = (await driver.list())[0]!.id;
      const led = await fetch(`${s.url}/Chassis/${id}`, {
        method: 'PATCH',
        headers: { ...auth('admin', 'first-pw'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ IndicatorLED: 'Blinking' }),
      });
      expect(led.status).toBe(200);
      await s.stop();
      const file = await readFile(join(dir, 'redfish', 'accounts.json'), 'utf8');
      expect(file).toContain('"ops"');
      expect(file).not.toContain('ops-secret');
      expect(file).not.toContain('first-pw');
      s = await start('second-pw');
      expect((await fetch(`${s.url}/Systems`, { headers: auth('ops', 'ops-secret') })).status).toBe(200);
      expect((await fetch(`${s.url}/Systems`, { headers: auth('admin', 'second-pw') })).status).toBe(200);
      expect((await fetch(`${s.url}/Systems`, { headers: auth('admin', 'first-pw') })).status).toBe(401);
      const chassis = await fetch(`${s.url}/Chassis/${id}`, { headers: auth('admin', 'second-pw') });
      expect(await chassis.json()).toMatchObject({ IndicatorLED: 'Blinking', LocationIndicatorActive: true });
      await s.stop();
    } finally {
      await driver.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('long operations', () => {
  it('a slow power action answers 202 + task monitor at once and settles', async () => {
    const driver = new SlowPowerDriver({ nodes: demoNodes(1), transitionMs: 20 });
    const app = createRedfishApp({
      driver,
      settings: redfishSection.parse({ tls: false }),
      shared: sharedSettings(),
      powerWaitMs: 100,
    });
    const id = (await driver.list())[0]!.id;
    const t0 = Date.now();
    const r = await request(app)
      .post(`/redfish/v1/Systems/${id}/Actions/ComputerSystem.Reset`)
      .auth(...ADMIN)
      .send({ ResetType: 'On' });
    expect(Date.now() - t0).toBeLessThan(600);
    expect(r.status).toBe(202);
    let mon = await request(app)
      .get(r.headers.location)
      .auth(...ADMIN);
    const deadline = Date.now() + 5000;
    while (mon.status === 202 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      mon = await request(app)
        .get(r.headers.location)
        .auth(...ADMIN);
    }
    expect(mon.status).toBe(204);
    await new Promise((res) => setTimeout(res, 50));
    expect((await driver.get(id)).powerState).toBe('On');
    app.shutdown();
    await driver.close();
  });

  it('UpdateService.SimpleUpdate runs as a task that fetches the image', async () => {
    const h = await appHarness();
    try {
      const r = await request(h.app)
        .post('/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate')
        .auth(...ADMIN)
        .send({ ImageURI: `${h.images.url}/disk.img` });
      expect(r.status).toBe(202);
      let t = await request(h.app)
        .get(`/redfish/v1/TaskService/Tasks/${r.body.Id}`)
        .auth(...ADMIN);
      const deadline = Date.now() + 5000;
      while (t.body.TaskState === 'Running' && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
        t = await request(h.app)
          .get(`/redfish/v1/TaskService/Tasks/${r.body.Id}`)
          .auth(...ADMIN);
      }
      expect(t.body.TaskState).toBe('Completed');
      expect(h.images.hits.get('/disk.img')).toBe(1);
      const bad = await request(h.app)
        .post('/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate')
        .auth(...ADMIN)
        .send({ ImageURI: `${h.images.url}/nope.bin` });
      let tb = await request(h.app)
        .get(bad.headers.location)
        .auth(...ADMIN);
      while (tb.status === 202 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
        tb = await request(h.app)
          .get(bad.headers.location)
          .auth(...ADMIN);
      }
      expect(tb.status).toBe(400);
      expect(tb.body.error.message).toMatch(/404/);
    } finally {
      await h.close();
    }
  });
});
