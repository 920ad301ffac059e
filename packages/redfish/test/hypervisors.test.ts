import { HypervisorSet, MemoryDriver, makeNode, type Node, sharedSettings, silentLogger } from '@bmc-emu/core';
import { createRedfishApp, type RedfishApp, redfishSection } from '@bmc-emu/redfish';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SwitchableDriver, switchable } from '../../../test/support/switchable-driver.js';

const AUTH = ['admin', 'password'] as const;

describe('redfish over several hypervisors', () => {
  let set: HypervisorSet;
  let app: RedfishApp;
  let a: SwitchableDriver;
  let nodes: Node[];

  beforeEach(async () => {
    const twin = makeNode({ name: 'twin' });
    a = switchable(new MemoryDriver({ nodes: [makeNode({ name: 'a-0' }), twin] }));
    const b = new MemoryDriver({ nodes: [makeNode({ name: 'b-0' }), { ...twin, name: 'twin-copy' }] });
    set = new HypervisorSet({
      members: [
        { name: 'rack-a', uri: 'qemu+tcp://10.0.0.1/system', driver: a },
        { name: 'rack-b', uri: 'qemu+ssh://root@10.0.0.2/system', driver: b },
      ],
      probeIntervalMs: 60_000,
    });
    await set.start();
    nodes = await set.list();
    app = createRedfishApp({
      driver: set,
      settings: redfishSection.parse({ tls: false, port: 0 }),
      shared: sharedSettings({}),
      logger: silentLogger(),
    });
  });
  afterEach(async () => {
    app.shutdown();
    await set.close();
  });

  const get = (path: string) =>
    request(app)
      .get(path)
      .auth(...AUTH);

  it('shows the hypervisor in each System (Oem) and a Chassis per hypervisor that contains its nodes', async () => {
    const b0 = nodes.find((n) => n.name === 'b-0')!;
    const sys = await get(`/redfish/v1/Systems/${b0.id}`).expect(200);
    expect(sys.body.Oem.BmcEmu).toEqual({ Hypervisor: 'rack-b', HypervisorUri: 'memory' });
    const chassisList = await get('/redfish/v1/Chassis').expect(200);
    const ids = chassisList.body.Members.map((m: { '@odata.id': string }) => m['@odata.id']);
    expect(ids).toContain('/redfish/v1/Chassis/hv-rack-a');
    expect(ids).toContain('/redfish/v1/Chassis/hv-rack-b');
    const hv = await get('/redfish/v1/Chassis/hv-rack-b').expect(200);
    expect(hv.body.Status).toEqual({ State: 'Enabled', Health: 'OK' });
    expect(hv.body.Links.ComputerSystems).toEqual([{ '@odata.id': `/redfish/v1/Systems/${b0.id}` }]);
    expect(hv.body.Oem.BmcEmu).toMatchObject({
      Hypervisor: 'rack-b',
      Uri: 'qemu+ssh://root@10.0.0.2/system',
      Up: true,
    });
    const patch = await request(app)
      .patch('/redfish/v1/Chassis/hv-rack-b')
      .auth(...AUTH)
      .send({ IndicatorLED: 'Lit' })
      .expect(405);
    expect(patch.headers.allow).toBe('GET, HEAD');
    const nodeChassis = await get(`/redfish/v1/Chassis/${b0.id}`).expect(200);
    expect(nodeChassis.body.Links.ContainedBy).toEqual({ '@odata.id': '/redfish/v1/Chassis/hv-rack-b' });
  });

  it("reports a UUID found on two hypervisors in the second one's Chassis, and serves the first copy", async () => {
    const twin = nodes.find((n) => n.name === 'twin')!;
    const hv = await get('/redfish/v1/Chassis/hv-rack-b').expect(200);
    expect(hv.body.Oem.BmcEmu.DuplicateUuids).toEqual([{ Uuid: twin.id, ServedBy: 'rack-a' }]);
    const sys = await get(`/redfish/v1/Systems/${twin.id}`).expect(200);
    expect([sys.body.Name, sys.body.Oem.BmcEmu.Hypervisor]).toEqual(['twin', 'rack-a']);
    const all = await get('/redfish/v1/Systems').expect(200);
    expect(all.body['Members@odata.count']).toBe(3);
  });

  it('a down hypervisor: its Systems answer 503 + Retry-After, its Chassis says offline, the others 200', async () => {
    const a0 = nodes.find((n) => n.name === 'a-0')!;
    const b0 = nodes.find((n) => n.name === 'b-0')!;
    a.mode = 'down';
    const r = await get(`/redfish/v1/Systems/${a0.id}`).expect(503);
    expect(r.headers['retry-after']).toMatch(/^\d+$/);
    expect(r.body.error['@Message.ExtendedInfo'][0].MessageId).toMatch(/ServiceTemporarilyUnavailable/);
    expect(r.body.error.message).toMatch(/rack-a/);
    const reset = await request(app)
      .post(`/redfish/v1/Systems/${a0.id}/Actions/ComputerSystem.Reset`)
      .auth(...AUTH)
      .send({ ResetType: 'On' });
    expect(reset.status).toBe(503);
    await get(`/redfish/v1/Systems/${b0.id}`).expect(200);
    const hv = await get('/redfish/v1/Chassis/hv-rack-a').expect(200);
    expect(hv.body.Status).toEqual({ State: 'UnavailableOffline', Health: 'Critical' });
    expect(hv.body.Oem.BmcEmu).toMatchObject({ Up: false, Reason: 'connection refused' });
    const systems = await get('/redfish/v1/Systems').expect(200);
    // b-0 only: the twin stays rack-a's even while rack-a is down (its copy on rack-b is never served)
    expect(systems.body['Members@odata.count']).toBe(1);
  });
});
