/** Every answered Redfish request is published on the rack event stream: method, path, status, user, ms, node. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, EventBus, MemoryDriver, type RackEvent, sharedSettings, silentLogger } from '@bmc-emu/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedfishApp, type RedfishApp, redfishSection } from '../src/index.js';

const bus = new EventBus();
const seen: RackEvent[] = [];
let dir: string;
let driver: MemoryDriver;
let app: RedfishApp;
const tick = () => new Promise((r) => setImmediate(r));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfevents-'));
  driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 10 });
  app = createRedfishApp({
    driver,
    settings: redfishSection.parse({ tls: false, port: 0 }),
    shared: sharedSettings({ stateDir: join(dir, 'state') }),
    logger: silentLogger(),
    bus,
  });
  bus.subscribe((e) => void seen.push(e));
});
afterAll(async () => {
  app.shutdown();
  await driver.close();
  await rm(dir, { recursive: true, force: true });
});

const redfish = () => seen.filter((e): e is Extract<RackEvent, { kind: 'redfish' }> => e.kind === 'redfish');

it('publishes a node GET with its user and node, an anonymous root GET without, and a 401', async () => {
  const node = (await driver.list())[1]!;
  seen.length = 0;
  await request(app).get(`/redfish/v1/Systems/${node.id}`).auth('admin', 'password').expect(200);
  await request(app).get('/redfish/v1/').expect(200);
  await request(app).get('/redfish/v1/Systems').expect(401);
  await tick();
  const [get, root, denied] = redfish();
  expect(redfish()).toHaveLength(3);
  expect(get).toMatchObject({ method: 'GET', path: `/redfish/v1/Systems/${node.id}`, status: 200, user: 'admin' });
  expect(get!.node).toBe(node.id);
  expect(get!.ms).toBeGreaterThanOrEqual(0);
  expect(root).toMatchObject({ method: 'GET', path: '/redfish/v1/', status: 200 });
  expect(root!.user).toBeUndefined();
  expect(root!.node).toBeUndefined();
  expect(denied).toMatchObject({ path: '/redfish/v1/Systems', status: 401 });
  expect(denied!.user).toBeUndefined();
});

it('publishes a power action under the node it names, by the node name alias too', async () => {
  const node = (await driver.list())[0]!;
  seen.length = 0;
  await request(app)
    .post(`/redfish/v1/Systems/${node.name}/Actions/ComputerSystem.Reset`)
    .auth('admin', 'password')
    .send({ ResetType: 'On' });
  await tick();
  const [reset] = redfish();
  expect(reset).toMatchObject({ method: 'POST', user: 'admin', node: node.id });
  expect(reset!.status).toBeLessThan(300);
});
