import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

let h: AppHarness;
beforeAll(async () => {
  h = await appHarness();
});
afterAll(async () => {
  await h?.close();
});

const sensor = (id: string) => `/redfish/v1/Chassis/${h.node.id}/Sensors/${id}`;
const patch = (path: string, body: unknown) =>
  request(h.app)
    .patch(path)
    .auth(...ADMIN)
    .send(body as object);
const get = (path: string) =>
  request(h.app)
    .get(path)
    .auth(...ADMIN);

describe('PATCH of Sensor Thresholds', () => {
  it('sets a settable threshold; Sensors and Thermal show it', async () => {
    const r = await patch(sensor('Fan1'), { Thresholds: { UpperCritical: { Reading: 14100 } } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.Thresholds.UpperCritical.Reading).toBe(14100);
    const thermal = await get(`/redfish/v1/Chassis/${h.node.id}/Thermal`);
    const fan = (thermal.body.Fans as { Name: string; UpperThresholdCritical: number }[]).find(
      (f) => f.Name === 'Fan1',
    );
    expect(fan!.UpperThresholdCritical).toBe(14100);
  });

  it('refuses a threshold the sensor does not let you set, a bad order, a wrong type; nothing changes', async () => {
    const cold = await patch(sensor('InletTemp'), { Thresholds: { LowerCaution: { Reading: 10 } } });
    expect(cold.status).toBe(400);
    expect(JSON.stringify(cold.body)).toContain('PropertyNotWritable');
    const volts = await patch(sensor('PSU1InputVoltage'), { Thresholds: { UpperCritical: { Reading: 262 } } });
    expect(volts.status).toBe(400);
    expect(JSON.stringify(volts.body)).toContain('PropertyNotWritable');
    const order = await patch(sensor('CPU1Temp'), { Thresholds: { UpperCritical: { Reading: 80 } } });
    expect(order.status).toBe(400);
    expect(JSON.stringify(order.body)).toContain('PropertyValueConflict');
    const type = await patch(sensor('CPU1Temp'), { Thresholds: { UpperCritical: { Reading: 'hot' } } });
    expect(type.status).toBe(400);
    expect((await get(sensor('CPU1Temp'))).body.Thresholds.UpperCritical.Reading).toBe(95);
  });

  it('a lowered threshold the reading crosses adds a SEL entry', async () => {
    await request(h.app)
      .post(`${h.sys}/Actions/ComputerSystem.Reset`)
      .auth(...ADMIN)
      .send({ ResetType: 'On' });
    for (let i = 0; i < 50 && (await get(h.sys)).body.PowerState !== 'On'; i++)
      await new Promise((r) => setTimeout(r, 20));
    const now = (await get(sensor('SystemBoardTemp'))).body.Reading as number;
    const r = await patch(sensor('SystemBoardTemp'), {
      Thresholds: { UpperCaution: { Reading: now - 3 }, UpperCritical: { Reading: now - 1 } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.Status.Health).toBe('Critical');
    const entries = await get(`/redfish/v1/Managers/${h.node.id}/LogServices/SEL/Entries`);
    expect(JSON.stringify(entries.body.Members)).toMatch(
      /System Board reads \d+ Cel: is past its upper critical threshold/,
    );
  });
});
