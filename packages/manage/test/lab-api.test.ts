/**
 * The /v1/labs part of the management API on a real unix socket: token required, bad bodies answered 400 in
 * JSON (the server keeps serving), progress folded into the last run and published as `lab` events, the
 * book persisted in labs.json and read back by the next serve; LabReporter's queue-until-a-serve-answers.
 */
import { request } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { EventBus, type RackEvent } from '@bmc-emu/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LabBook,
  type LabProgress,
  type LabRecord,
  type LabReport,
  LabReporter,
  labsFilePath,
  ManagementServer,
  managementPaths,
  readManagementToken,
  socketJson,
} from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();
const servers: ManagementServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

function sampleReport(name = 'lab', stateDir = '/var/lib/lab-a'): LabReport {
  return {
    name,
    stateDir,
    mode: 'ipi',
    baseDomain: 'example.com',
    libvirtUri: 'qemu:///system',
    apiVIPs: ['192.168.111.5'],
    ingressVIPs: ['192.168.111.4'],
    networks: [
      { name: `${name}bm`, purpose: 'baremetal', mode: 'nat', cidrs: ['192.168.111.0/24'] },
      { name: `${name}pr`, purpose: 'provisioning', mode: 'Managed', cidrs: ['172.22.0.0/24'] },
    ],
    installConfig: '/tmp/lab-out/install-config.yaml',
    nextCommand: 'openshift-baremetal-install --dir /tmp/lab-out create cluster',
    nodes: [0, 1, 2].map((i) => ({
      name: `master-${i}`,
      role: 'master' as const,
      domain: `${name}-master-${i}`,
      uuid: `1b4e28ba-2fa1-51d2-883f-0016d3cca42${i}`,
      bootMac: `52:54:00:00:00:0${i}`,
      bmc: {
        kind: 'redfish-virtualmedia',
        address: `redfish-virtualmedia+https://192.168.111.1:8000/redfish/v1/Systems/1b4e28ba-2fa1-51d2-883f-0016d3cca42${i}`,
      },
    })),
  };
}

async function started(opts: { readBuilt?: (dir: string, lab: string) => Promise<null> } = {}) {
  const stateDir = await tempDir('bmcemu-labapi-');
  const bus = new EventBus();
  const labs = new LabBook({ stateDir, publish: (e) => bus.publish(e), ...opts });
  await labs.load();
  const server = new ManagementServer({ stateDir, apply: async () => undefined, labs });
  await server.start();
  servers.push(server);
  const token = await readManagementToken(stateDir);
  const socket = managementPaths(stateDir).socket;
  const call = (method: string, path: string, body?: unknown) => socketJson(socket, token, method, path, body);
  return { stateDir, bus, labs, server, token, socket, call };
}

/** A request with any body text and any Authorization (socketJson always sends JSON and the right token). */
function raw(
  socketPath: string,
  method: string,
  path: string,
  opts: { auth?: string; body?: string } = {},
): Promise<{ status: number; body: unknown; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: {
          ...(opts.auth !== undefined ? { Authorization: opts.auth } : {}),
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const step = (runId: string, index: number, total: number, state: LabProgress['state'], error?: string) => ({
  runId,
  run: 'up' as const,
  index,
  total,
  step: index === 0 ? 'lab up lab' : `+ create network step-${index}`,
  state,
  ...(error ? { error } : {}),
});

describe('management API: /v1/labs', () => {
  it('refuses requests without the token, or with a wrong one (401 JSON)', async () => {
    const { socket } = await started();
    for (const auth of [undefined, 'Bearer nope', 'Basic YWRtaW46cGFzc3dvcmQ=']) {
      const r = await raw(socket, 'GET', '/v1/labs', auth === undefined ? {} : { auth });
      expect(r.status).toBe(401);
      expect(r.type).toContain('application/json');
      expect((r.body as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
    const put = await raw(socket, 'PUT', '/v1/labs/lab', { body: JSON.stringify(sampleReport()) });
    expect(put.status).toBe(401);
  });

  it('describes a lab, lists it, and keeps it across a serve restart (labs.json)', async () => {
    const { call, stateDir, server } = await started();
    expect((await call('GET', '/v1/labs')).body).toEqual({ labs: [] });
    const put = await call('PUT', '/v1/labs/lab', sampleReport());
    expect(put.status).toBe(200);
    expect((put.body as LabRecord).report.nodes).toHaveLength(3);
    await call('POST', '/v1/labs/lab/progress', step('r1', 0, 0, 'start'));
    const list = (await call('GET', '/v1/labs')).body as { labs: LabRecord[] };
    expect(list.labs.map((l) => l.report.name)).toEqual(['lab']);
    const file = JSON.parse(await readFile(labsFilePath(stateDir), 'utf8')) as { version: number; labs: unknown[] };
    expect(file.version).toBe(1);
    expect(file.labs).toHaveLength(1);

    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    const again = new LabBook({ stateDir });
    await again.load();
    const [rec] = await again.list();
    expect(rec!.report).toEqual(sampleReport());
    expect(rec!.lastRun).toMatchObject({ runId: 'r1', state: 'running', title: 'lab up lab' });
  });

  it('answers bad input with a 400 JSON error naming the key, and keeps serving', async () => {
    const { call, socket, token } = await started();
    const auth = `Bearer ${token}`;
    const notJson = await raw(socket, 'PUT', '/v1/labs/lab', { auth, body: '{"name": ' });
    expect(notJson.status).toBe(400);
    expect((notJson.body as { error: { code: string } }).error.code).toBe('BMCEMU_INVALID_ARGUMENT');

    const missing = await call('PUT', '/v1/labs/lab', { ...sampleReport(), baseDomain: undefined });
    expect(missing.status).toBe(400);
    expect((missing.body as { error: { message: string } }).error.message).toContain('baseDomain');

    const relative = await call('PUT', '/v1/labs/lab', { ...sampleReport(), stateDir: 'relative/dir' });
    expect(relative.status).toBe(400);
    expect((relative.body as { error: { message: string } }).error.message).toContain('stateDir');

    const extra = await call('PUT', '/v1/labs/lab', { ...sampleReport(), surprise: 1 });
    expect(extra.status).toBe(400);

    const badMac = sampleReport();
    badMac.nodes[1]!.bootMac = 'not-a-mac';
    const mac = await call('PUT', '/v1/labs/lab', badMac);
    expect(mac.status).toBe(400);
    expect((mac.body as { error: { message: string } }).error.message).toContain('nodes.1.bootMac');

    const mismatch = await call('PUT', '/v1/labs/other', sampleReport('lab'));
    expect(mismatch.status).toBe(400);
    expect((mismatch.body as { error: { message: string } }).error.message).toContain('"other"');

    const badName = await call('PUT', '/v1/labs/Bad_Name', sampleReport());
    expect(badName.status).toBe(400);

    const unknown = await call('POST', '/v1/labs/ghost/progress', step('r1', 0, 0, 'start'));
    expect(unknown.status).toBe(404);

    expect((await call('PUT', '/v1/labs/lab', sampleReport())).status).toBe(200);
    const over = await call('POST', '/v1/labs/lab/progress', step('r1', 5, 3, 'start'));
    expect(over.status).toBe(400);
    expect((over.body as { error: { message: string } }).error.message).toContain('index');
    const badState = await call('POST', '/v1/labs/lab/progress', { ...step('r1', 1, 3, 'start'), state: 'exploded' });
    expect(badState.status).toBe(400);
    const badRunId = await call('POST', '/v1/labs/lab/progress', { ...step('r1', 1, 3, 'start'), runId: 'a b' });
    expect(badRunId.status).toBe(400);

    const wrongMethod = await call('PATCH', '/v1/labs/lab');
    expect(wrongMethod.status).toBe(405);
    expect((await call('GET', '/v1/labs/lab/progress')).status).toBe(405);
    expect((await call('POST', '/v1/labs')).status).toBe(405);

    // still serving, and nothing of the refused requests stuck
    const list = (await call('GET', '/v1/labs')).body as { labs: LabRecord[] };
    expect(list.labs.map((l) => l.report.name)).toEqual(['lab']);
    expect(list.labs[0]!.lastRun).toBeUndefined();
    expect((await call('GET', '/v1/bmcs')).status).toBe(200);
  });

  it('folds progress into the last run and publishes each report as a lab event', async () => {
    const { call, bus } = await started();
    const seen: RackEvent[] = [];
    bus.subscribe((e) => void seen.push(e));
    await call('PUT', '/v1/labs/lab', sampleReport());
    const reports = [
      step('r1', 0, 0, 'start'),
      step('r1', 1, 3, 'start'),
      step('r1', 1, 3, 'done'),
      step('r1', 2, 3, 'start'),
    ];
    let rec: LabRecord | undefined;
    for (const r of reports) rec = (await call('POST', '/v1/labs/lab/progress', r)).body as LabRecord;
    expect(rec!.lastRun).toMatchObject({ runId: 'r1', state: 'running', total: 3 });
    expect(rec!.lastRun!.steps.map((s) => [s.index, s.state])).toEqual([
      [1, 'done'],
      [2, 'running'],
    ]);
    rec = (await call('POST', '/v1/labs/lab/progress', step('r1', 2, 3, 'failed', 'virsh: network is busy')))
      .body as LabRecord;
    expect(rec.lastRun).toMatchObject({ state: 'failed', error: 'virsh: network is busy' });
    expect(rec.lastRun!.steps[1]).toMatchObject({ state: 'failed', error: 'virsh: network is busy' });

    // a new run id starts a new run
    rec = (await call('POST', '/v1/labs/lab/progress', step('r2', 0, 0, 'start'))).body as LabRecord;
    expect(rec.lastRun).toMatchObject({ runId: 'r2', state: 'running', steps: [] });
    rec = (await call('POST', '/v1/labs/lab/progress', step('r2', 0, 0, 'done'))).body as LabRecord;
    expect(rec.lastRun).toMatchObject({ runId: 'r2', state: 'done', total: 0 });
    expect(rec.lastRun!.endedAt).toBeGreaterThanOrEqual(rec.lastRun!.startedAt);

    await new Promise((r) => setImmediate(r));
    const labEvents = seen.filter((e) => e.kind === 'lab');
    expect(labEvents).toHaveLength(7);
    expect(labEvents[4]).toMatchObject({
      kind: 'lab',
      lab: 'lab',
      run: 'up',
      index: 2,
      total: 3,
      state: 'failed',
      detail: 'virsh: network is busy',
    });
  });

  it('forgets a lab on DELETE; an unknown one is 404', async () => {
    const { call } = await started();
    await call('PUT', '/v1/labs/lab', sampleReport());
    expect((await call('DELETE', '/v1/labs/lab')).body).toEqual({ deleted: 'lab' });
    expect((await call('GET', '/v1/labs/lab')).status).toBe(404);
    expect((await call('DELETE', '/v1/labs/lab')).status).toBe(404);
  });

  it('says what the lab state file records (null: none)', async () => {
    const { call } = await started({ readBuilt: async () => null });
    const rec = (await call('PUT', '/v1/labs/lab', sampleReport())).body as LabRecord;
    expect(rec.built).toBeNull();
  });
});

describe('LabReporter', () => {
  it('queues while no serve answers and delivers everything, in order, once one does', async () => {
    const nowhere = await tempDir('bmcemu-labrep-none-');
    const dir = await tempDir('bmcemu-labrep-');
    const reporter = new LabReporter({ stateDirs: [nowhere, dir] });
    reporter.describe(sampleReport());
    reporter.progress('lab', step('r1', 0, 0, 'start'));
    reporter.progress('lab', step('r1', 1, 1, 'start'));
    reporter.progress('lab', step('r1', 1, 1, 'done'));
    expect(await reporter.flush()).toEqual({ delivered: 0, pending: 4 });

    const labs = new LabBook({ stateDir: dir });
    const server = new ManagementServer({ stateDir: dir, apply: async () => undefined, labs });
    await server.start();
    servers.push(server);
    reporter.progress('lab', step('r1', 0, 1, 'done'));
    const r = await reporter.flush();
    expect(r).toEqual({ deliveredTo: dir, delivered: 5, pending: 0 });
    const [rec] = await labs.list();
    expect(rec!.lastRun).toMatchObject({ state: 'done', total: 1, steps: [{ index: 1, state: 'done' }] });
  });

  it('stops reporting (and says why) when serve refuses a report', async () => {
    const dir = await tempDir('bmcemu-labrep-');
    const server = new ManagementServer({
      stateDir: dir,
      apply: async () => undefined,
      labs: new LabBook({ stateDir: dir }),
    });
    await server.start();
    servers.push(server);
    const reporter = new LabReporter({ stateDirs: [dir] });
    reporter.progress('lab', step('r1', 0, 0, 'start')); // never described: 404
    reporter.progress('lab', step('r1', 1, 1, 'start'));
    const r = await reporter.flush();
    expect(r.delivered).toBe(0);
    expect(r.pending).toBe(0);
    expect(r.error).toMatch(/refused POST \/v1\/labs\/lab\/progress: no lab "lab"/);
  });

  it('passes over a state dir whose socket is stale', async () => {
    const stale = await tempDir('bmcemu-labrep-stale-');
    const dir = await tempDir('bmcemu-labrep-');
    // a serve that was killed leaves its token and socket file behind; nobody listens there
    await writeFile(managementPaths(stale).token, 'stale-token\n');
    await writeFile(managementPaths(stale).socket, '');
    const live = new ManagementServer({
      stateDir: dir,
      apply: async () => undefined,
      labs: new LabBook({ stateDir: dir }),
    });
    await live.start();
    servers.push(live);
    const reporter = new LabReporter({ stateDirs: [stale, dir] });
    reporter.describe(sampleReport());
    expect(await reporter.flush()).toMatchObject({ deliveredTo: dir, delivered: 1 });
  });
});
