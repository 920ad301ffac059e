/**
 * `GET /console/api/labs` on a real Redfish listener, fed by a real LabBook: log-in required, every role
 * sees the same labs, nothing can be changed from the console (405), and the book's steps reach the SSE stream.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, EventBus, MemoryDriver, sharedSettings, silentLogger } from '@bmc-emu/core';
import { LabBook, type LabRecord } from '@bmc-emu/manage';
import { RedfishServer, redfishSection } from '@bmc-emu/redfish';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMount } from '../src/index.js';

let base = '';
function call(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; json: unknown }> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: opts.method ?? 'GET',
        headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const ADMIN = basic('admin', 'password');
const VIEWER = basic('viewer', 'viewer-pass');

describe('console API: labs', () => {
  let dir: string;
  let server: RedfishServer;
  let labs: LabBook;
  let bus: EventBus;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-console-labs-'));
    const driver = new MemoryDriver({ nodes: demoNodes(1) });
    bus = new EventBus();
    labs = new LabBook({ stateDir: dir, publish: (e) => bus.publish(e) });
    server = new RedfishServer({
      driver,
      settings: redfishSection.parse({ tls: false, port: 0 }),
      shared: sharedSettings({ stateDir: dir }),
      logger: silentLogger(),
      port: 0,
      host: '127.0.0.1',
      mounts: [consoleMount({ driver, bus, logger: silentLogger(), host: '127.0.0.1', labs })],
    });
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
    const made = await call('/redfish/v1/AccountService/Accounts', {
      method: 'POST',
      body: { UserName: 'viewer', Password: 'viewer-pass', RoleId: 'ReadOnly' },
      headers: ADMIN,
    });
    expect(made.status).toBe(201);
    await labs.describe({
      name: 'lab',
      stateDir: join(dir, 'lab-state'),
      mode: 'ipi',
      baseDomain: 'example.com',
      libvirtUri: 'qemu:///system',
      apiVIPs: ['192.168.111.5'],
      ingressVIPs: ['192.168.111.4'],
      networks: [{ name: 'labbm', purpose: 'baremetal', mode: 'nat', cidrs: ['192.168.111.0/24'] }],
      nodes: [],
    });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('needs a log-in', async () => {
    const r = await call('/console/api/labs');
    expect(r.status).toBe(401);
    expect((r.json as { error: { code: string } }).error.code).toBe('NoValidSession');
  });

  it('shows every role the same labs, with the last run as the book has it', async () => {
    await labs.progress('lab', { runId: 'r1', run: 'up', index: 0, total: 0, step: 'lab up lab', state: 'start' });
    await labs.progress('lab', { runId: 'r1', run: 'up', index: 1, total: 2, step: '+ create pool p', state: 'done' });
    const admin = await call('/console/api/labs', { headers: ADMIN });
    const viewer = await call('/console/api/labs', { headers: VIEWER });
    expect(admin.status).toBe(200);
    expect(viewer).toEqual(admin);
    const [rec] = (admin.json as { labs: LabRecord[] }).labs;
    expect(rec!.report.baseDomain).toBe('example.com');
    expect(rec!.lastRun).toMatchObject({ state: 'running', total: 2, steps: [{ index: 1, state: 'done' }] });
  });

  it('refuses any change from the console (405), for every role', async () => {
    for (const headers of [ADMIN, VIEWER]) {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const r = await call('/console/api/labs', { method, headers, ...(method === 'DELETE' ? {} : { body: {} }) });
        expect(r.status, method).toBe(405);
      }
    }
    expect(((await call('/console/api/labs', { headers: ADMIN })).json as { labs: unknown[] }).labs).toHaveLength(1);
  });

  it("publishes the book's steps on the bus the console's event stream reads", async () => {
    const before = bus.lastSeq;
    await labs.progress('lab', {
      runId: 'r1',
      run: 'up',
      index: 2,
      total: 2,
      step: '+ create network n',
      state: 'start',
    });
    const [e] = bus.history({ afterSeq: before, kinds: ['lab'] });
    expect(e).toMatchObject({ kind: 'lab', lab: 'lab', run: 'up', index: 2, total: 2, state: 'start' });
  });
});
