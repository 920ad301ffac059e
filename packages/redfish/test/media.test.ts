import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

const open: AppHarness[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

async function harness(opts?: Parameters<typeof appHarness>[0]): Promise<AppHarness> {
  const a = await appHarness(opts);
  open.push(a);
  return a;
}

const insert = (a: AppHarness, slot: string, image: string) =>
  request(a.app)
    .post(`/redfish/v1/Managers/${a.node.id}/VirtualMedia/${slot}/Actions/VirtualMedia.InsertMedia`)
    .auth(...ADMIN)
    .send({ Image: image });
const eject = (a: AppHarness, slot: string) =>
  request(a.app)
    .post(`/redfish/v1/Systems/${a.node.id}/VirtualMedia/${slot}/Actions/VirtualMedia.EjectMedia`)
    .auth(...ADMIN)
    .send({});

describe('virtual media', () => {
  it('inserts through the cache: the second insert of the same URL downloads nothing', async () => {
    const a = await harness();
    const url = `${a.images.url}/ipxe.iso`;
    expect((await insert(a, 'Cd', url)).status).toBe(204);
    const m1 = (await a.driver.get(a.node.id)).media.find((m) => m.slot === 'Cd')!;
    expect(m1).toMatchObject({ inserted: true, image: url });
    expect((await eject(a, 'Cd')).status).toBe(204);
    expect((await insert(a, 'Cd', url)).status).toBe(204);
    const m2 = (await a.driver.get(a.node.id)).media.find((m) => m.slot === 'Cd')!;
    expect(m2.path).toBe(m1.path);
    expect(a.images.hits.get('/ipxe.iso')).toBe(1);
    const vm = await request(a.app)
      .get(`/redfish/v1/Systems/${a.node.id}/VirtualMedia/Cd`)
      .auth(...ADMIN);
    expect(vm.body).toMatchObject({ Image: url, Inserted: true, ConnectedVia: 'URI', TransferProtocolType: 'HTTP' });
  });

  it('clear errors: 404 image, non-ISO in the Cd slot, a non-http scheme; a raw image fits UsbStick', async () => {
    const a = await harness();
    const missing = await insert(a, 'Cd', `${a.images.url}/missing.iso`);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/404/);
    const raw = await insert(a, 'Cd', `${a.images.url}/disk.img`);
    expect(raw.status).toBe(400);
    expect(raw.body.error.message).toMatch(/not an ISO 9660 image/);
    const file = await insert(a, 'Cd', 'file:///etc/passwd');
    expect(file.status).toBe(400);
    expect(file.body.error.message).toMatch(/http/);
    expect((await a.driver.get(a.node.id)).media.every((m) => !m.inserted)).toBe(true);
    expect((await insert(a, 'UsbStick', `${a.images.url}/disk.img`)).status).toBe(204);
  });

  it('a slow download answers 202 + task monitor; a Reset waits for it so the boot sees the media', async () => {
    const a = await harness({ insertWaitMs: 200, slowMs: 800 });
    const r = await insert(a, 'Cd', `${a.images.url}/slow.iso`);
    expect(r.status).toBe(202);
    expect(r.headers.location).toMatch(/^\/redfish\/v1\/TaskService\/TaskMonitors\/\d+$/);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(r.body.TaskState).toBe('Running');
    const running = await request(a.app)
      .get(r.headers.location)
      .auth(...ADMIN);
    expect(running.status).toBe(202);
    await request(a.app)
      .patch(`/redfish/v1/Systems/${a.node.id}`)
      .auth(...ADMIN)
      .send({ Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } });
    const reset = await request(a.app)
      .post(`/redfish/v1/Systems/${a.node.id}/Actions/ComputerSystem.Reset`)
      .auth(...ADMIN)
      .send({ ResetType: 'On' });
    expect(reset.status).toBe(202);
    const deadline = Date.now() + 10_000;
    let done = running;
    while (done.status === 202 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      done = await request(a.app)
        .get(r.headers.location)
        .auth(...ADMIN);
    }
    expect(done.status).toBe(204);
    const task = await request(a.app)
      .get(`/redfish/v1/TaskService/Tasks/${r.body.Id}`)
      .auth(...ADMIN);
    expect(task.body).toMatchObject({ TaskState: 'Completed', PercentComplete: 100 });
    while ((await a.driver.get(a.node.id)).powerState !== 'On' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
    }
    const node = await a.driver.get(a.node.id);
    expect(node.lastBoot?.target).toBe('Cd');
    expect(node.media.find((m) => m.slot === 'Cd')?.inserted).toBe(true);
  });

  it('an image over the size limit is refused with the reason', async () => {
    const a = await harness({ maxImageBytes: 4096 });
    const r = await insert(a, 'Cd', `${a.images.url}/ipxe.iso`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/larger .* than the cache limit/);
    expect((await a.driver.get(a.node.id)).media.every((m) => !m.inserted)).toBe(true);
  });

  it('PATCH of Image/Inserted inserts and ejects', async () => {
    const a = await harness();
    const path = `/redfish/v1/Managers/${a.node.id}/VirtualMedia/Cd`;
    const ins = await request(a.app)
      .patch(path)
      .auth(...ADMIN)
      .send({ Image: `${a.images.url}/ipxe.iso`, Inserted: true });
    expect(ins.status, JSON.stringify(ins.body)).toBe(200);
    expect(ins.body.Inserted).toBe(true);
    const ej = await request(a.app)
      .patch(path)
      .auth(...ADMIN)
      .send({ Inserted: false });
    expect(ej.body.Inserted).toBe(false);
  });
});
