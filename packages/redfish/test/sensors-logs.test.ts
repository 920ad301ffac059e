import {
  bmcStartEntry,
  makeNode,
  powerEntry,
  type SelEntry,
  sensorCatalog,
  readSensor,
  thresholdEntry,
} from '@bmc-emu/core';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logEntryResource } from '../src/codec/log-service.js';
import { powerResource, thermalResource } from '../src/codec/sensors.js';
import { ADMIN, type AppHarness, appHarness } from './app-harness.js';

let h: AppHarness;
beforeAll(async () => {
  h = await appHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('chassis sensor resources', () => {
  it('Chassis links Thermal, Power, the subsystems and Sensors; each answers; unknown members are 404', async () => {
    const ch = `/redfish/v1/Chassis/${h.node.id}`;
    const c = await request(h.app)
      .get(ch)
      .auth(...ADMIN);
    for (const k of ['Thermal', 'Power', 'ThermalSubsystem', 'PowerSubsystem', 'Sensors']) {
      const path = c.body[k]['@odata.id'] as string;
      expect(
        (
          await request(h.app)
            .get(path)
            .auth(...ADMIN)
        ).status,
        path,
      ).toBe(200);
    }
    for (const bad of ['Sensors/Nope', 'ThermalSubsystem/Fans/InletTemp', 'PowerSubsystem/PowerSupplies/PSU9']) {
      expect(
        (
          await request(h.app)
            .get(`${ch}/${bad}`)
            .auth(...ADMIN)
        ).status,
        bad,
      ).toBe(404);
    }
    expect((await request(h.app).get(`${ch}/Thermal`)).status).toBe(401);
  });

  it('Sensors members read as Thermal and Power do', async () => {
    const ch = `/redfish/v1/Chassis/${h.node.id}`;
    const thermal = (
      await request(h.app)
        .get(`${ch}/Thermal`)
        .auth(...ADMIN)
    ).body;
    const inlet = (
      await request(h.app)
        .get(`${ch}/Sensors/InletTemp`)
        .auth(...ADMIN)
    ).body;
    expect(inlet.Reading).toBe(
      thermal.Temperatures.find((t: { MemberId: string }) => t.MemberId === 'InletTemp').ReadingCelsius,
    );
    expect(inlet.Thresholds.UpperCritical.Reading).toBe(45);
  });
});

describe('Manager LogServices/SEL and EthernetInterfaces', () => {
  const mgr = () => `/redfish/v1/Managers/${h.node.id}`;

  it('Manager links LogServices and EthernetInterfaces; the SEL starts with the BMC start', async () => {
    const m = (
      await request(h.app)
        .get(mgr())
        .auth(...ADMIN)
    ).body;
    expect(m.LogServices['@odata.id']).toBe(`${mgr()}/LogServices`);
    const svc = (
      await request(h.app)
        .get(`${mgr()}/LogServices/SEL`)
        .auth(...ADMIN)
    ).body;
    expect(svc.Actions['#LogService.ClearLog'].target).toBe(`${mgr()}/LogServices/SEL/Actions/LogService.ClearLog`);
    const entries = (
      await request(h.app)
        .get(`${mgr()}/LogServices/SEL/Entries`)
        .auth(...ADMIN)
    ).body;
    expect(entries.Members[0].Message).toBe('BMC started.');
    const one = await request(h.app)
      .get(`${mgr()}/LogServices/SEL/Entries/${entries.Members[0].Id}`)
      .auth(...ADMIN);
    expect(one.body).toMatchObject(entries.Members[0]);
    expect(
      (
        await request(h.app)
          .get(`${mgr()}/LogServices/SEL/Entries/99999`)
          .auth(...ADMIN)
      ).status,
    ).toBe(404);
    const nic = (
      await request(h.app)
        .get(`${mgr()}/EthernetInterfaces/1`)
        .auth(...ADMIN)
    ).body;
    expect(nic.MACAddress).toMatch(/^02:/);
    expect(nic.IPv4Addresses[0].Address).toBe('127.0.0.1');
  });

  it('boot override and virtual media changes by a Redfish user are SEL entries naming them', async () => {
    const b = await request(h.app)
      .patch(h.sys)
      .auth(...ADMIN)
      .send({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
    expect(b.status, JSON.stringify(b.body)).toBeLessThan(300);
    const url = `${h.images.url}/disk.img`;
    const ins = await request(h.app)
      .post(`${mgr()}/VirtualMedia/UsbStick/Actions/VirtualMedia.InsertMedia`)
      .auth(...ADMIN)
      .send({ Image: url });
    expect(ins.status, JSON.stringify(ins.body)).toBe(204);
    const ej = await request(h.app)
      .post(`${mgr()}/VirtualMedia/UsbStick/Actions/VirtualMedia.EjectMedia`)
      .auth(...ADMIN)
      .send({});
    expect(ej.status).toBe(204);
    const msgs = (
      await request(h.app)
        .get(`${mgr()}/LogServices/SEL/Entries`)
        .auth(...ADMIN)
    ).body.Members.map((m: { Message: string }) => m.Message);
    expect(msgs).toContain('Boot device set to Pxe (Once) by Redfish user admin.');
    expect(msgs).toContain(`Virtual media ${url} inserted in UsbStick by Redfish user admin.`);
    expect(msgs).toContain('Virtual media ejected from UsbStick by Redfish user admin.');
  });

  it('ClearLog: ReadOnly gets 403, unknown parameters 400, an Administrator 204 and one entry naming them', async () => {
    const r = await request(h.app)
      .post('/redfish/v1/AccountService/Accounts')
      .auth(...ADMIN)
      .send({ UserName: 'logviewer', Password: 'logviewer-pw', RoleId: 'ReadOnly' });
    expect(r.status).toBe(201);
    const clear = `${mgr()}/LogServices/SEL/Actions/LogService.ClearLog`;
    expect((await request(h.app).post(clear).auth('logviewer', 'logviewer-pw').send({})).status).toBe(403);
    expect(
      (
        await request(h.app)
          .post(clear)
          .auth(...ADMIN)
          .send({ Bogus: 1 })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(h.app)
          .post(clear)
          .auth(...ADMIN)
          .send({})
      ).status,
    ).toBe(204);
    const entries = (
      await request(h.app)
        .get(`${mgr()}/LogServices/SEL/Entries`)
        .auth(...ADMIN)
    ).body;
    expect(entries.Members.map((m: { Message: string }) => m.Message)).toEqual([
      'Event log cleared by Redfish user admin.',
    ]);
  });
});

describe('sensor and log codecs (property)', () => {
  const node = makeNode({ name: 'p' });
  const defs = sensorCatalog(node);

  it('Thermal and Power carry every reading exactly, with Health from the reading', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('On' as const, 'Off' as const),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 44 }),
        fc.subarray(defs.map((d) => d.id)),
        (powerState, load, now, faults) => {
          const readings = defs.map((d) =>
            readSensor(d, {
              nodeId: node.id,
              powerState,
              load,
              now,
              jitterPeriodMs: 10_000,
              fault: faults.includes(d.id),
            }),
          );
          const t = thermalResource(node, readings);
          const p = powerResource(node, readings);
          for (const r of readings) {
            const row =
              r.def.kind === 'temperature'
                ? t.Temperatures.find((x) => x.MemberId === r.def.id)
                : r.def.kind === 'fan'
                  ? t.Fans.find((x) => x.MemberId === r.def.id)
                  : r.def.kind === 'voltage'
                    ? p.Voltages.find((x) => x.MemberId === r.def.id)
                    : p.PowerControl[0];
            const value =
              row &&
              ('ReadingCelsius' in row
                ? row.ReadingCelsius
                : 'Reading' in row
                  ? row.Reading
                  : 'ReadingVolts' in row
                    ? row.ReadingVolts
                    : row.PowerConsumedWatts);
            expect(value).toBe(r.value);
            expect(row?.Status.Health).toBe(r.health);
          }
        },
      ),
    );
  });

  it('every SEL entry becomes a LogEntry with an allowed Severity, ISO Created, and Assert/Deassert', () => {
    const def = defs[2]!;
    const entries = fc.oneof(
      fc.constant(bmcStartEntry()),
      fc
        .constantFrom('On', 'Off', 'PowerCycle', 'HardReset', 'WarmReset')
        .map((x) => powerEntry(x as never, 'IPMI user a')),
      fc.boolean().map((asserted) =>
        thresholdEntry({
          sensorNumber: def.number,
          sensorName: def.name,
          sensorKind: def.kind,
          unit: def.unit,
          resolution: def.resolution,
          level: 'upperCritical',
          asserted,
          value: 96,
          threshold: 95,
        }),
      ),
    );
    fc.assert(
      fc.property(
        entries,
        fc.integer({ min: 1, max: 0xfffe }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (e, id, ts) => {
          const entry: SelEntry = { ...e, id, timestamp: ts };
          const le = logEntryResource(node, entry);
          expect(['OK', 'Warning', 'Critical']).toContain(le.Severity);
          expect(le.Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
          expect(new Date(le.Created).getTime()).toBe(ts * 1000);
          expect(le.EntryCode).toBe(e.threshold && !e.threshold.asserted ? 'Deassert' : 'Assert');
          expect(le.Id).toBe(String(id));
        },
      ),
    );
  });
});
