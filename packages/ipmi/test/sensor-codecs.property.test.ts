import {
  bmcLan,
  type NewSelEntry,
  powerEntry,
  type SelEntry,
  type SensorDef,
  sensorCatalog,
  thresholdEntry,
  THRESHOLD_NAMES,
  makeNode,
} from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFullSensorRecord,
  decodeSelRecord,
  encodeFullSensorRecord,
  encodeLanParam,
  encodeSelRecord,
  IpmiDecodeError,
  judgeLanWrite,
  LAN_PARAM,
  type LanParamView,
  rawOf,
  selRecordOf,
  thresholdStatus,
} from './support/internals.js';

const catalog = sensorCatalog(makeNode({ name: 'x', cpu: { count: 16, arch: 'x86_64', model: 'q' } }));

const sensorDef: fc.Arbitrary<SensorDef> = fc
  .record({
    base: fc.constantFrom(...catalog),
    number: fc.integer({ min: 1, max: 0x2f }),
    name: fc.string({ minLength: 1, maxLength: 16 }).map((s) => s.replace(/[^ -~]/g, 'x')),
    resolution: fc.constantFrom(1, 2, 4, 60),
    raw: fc.array(fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ base, number, name, resolution, raw }) => ({
    ...base,
    number,
    name,
    resolution,
    thresholds: Object.fromEntries(
      THRESHOLD_NAMES.map((t, i) => [t, raw[i] === undefined ? undefined : raw[i]! * resolution]).filter(
        ([, v]) => v !== undefined,
      ),
    ),
  }));

describe('SDR full sensor record', () => {
  it('property: encode then decode gives back number, type, unit, M, thresholds and name', () => {
    fc.assert(
      fc.property(sensorDef, fc.integer({ min: 1, max: 0xfffe }), (def, id) => {
        const rec = encodeFullSensorRecord(id, def);
        expect(rec.length).toBe(48 + def.name.length);
        const d = decodeFullSensorRecord(rec);
        expect(d.recordId).toBe(id);
        expect(d.sensorNumber).toBe(def.number);
        expect(d.name).toBe(def.name);
        expect(d.m).toBe(def.resolution);
        for (const t of THRESHOLD_NAMES) {
          expect(d.thresholds[t]).toBe(def.thresholds[t] === undefined ? undefined : rawOf(def, def.thresholds[t]));
        }
      }),
    );
  });

  it('property: the decoder throws only IpmiDecodeError on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        try {
          decodeFullSensorRecord(Buffer.from(b));
        } catch (err) {
          expect(err).toBeInstanceOf(IpmiDecodeError);
        }
      }),
    );
  });

  it('property: threshold status has the bit of every threshold the value is at or past', () => {
    fc.assert(
      fc.property(sensorDef, fc.integer({ min: 0, max: 255 }), (def, raw) => {
        const value = raw * def.resolution;
        const s = thresholdStatus(def, value);
        expect(s & ~0x3f).toBe(0);
        const uc = def.thresholds.upperCritical;
        if (uc !== undefined) expect(Boolean(s & 0x10)).toBe(value >= uc);
        const lc = def.thresholds.lowerCritical;
        if (lc !== undefined) expect(Boolean(s & 0x02)).toBe(value <= lc);
      }),
    );
  });
});

const newEntry: fc.Arbitrary<NewSelEntry> = fc.oneof(
  fc
    .constantFrom('On', 'Off', 'PowerCycle', 'HardReset', 'WarmReset')
    .map((p) => powerEntry(p as never, 'IPMI user a')),
  fc
    .record({
      def: fc.constantFrom(...catalog),
      level: fc.constantFrom(...THRESHOLD_NAMES),
      asserted: fc.boolean(),
      raw: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ def, level, asserted, raw }) =>
      thresholdEntry({
        sensorNumber: def.number,
        sensorName: def.name,
        sensorKind: def.kind,
        unit: def.unit,
        resolution: def.resolution,
        level,
        asserted,
        value: raw * def.resolution,
        threshold: raw * def.resolution,
      }),
    ),
  fc.constant<NewSelEntry>({ kind: 'bmc', severity: 'OK', message: 'BMC started.' }),
  fc.constant<NewSelEntry>({ kind: 'cleared', severity: 'OK', message: 'Event log cleared.' }),
  fc.constant<NewSelEntry>({ kind: 'boot', severity: 'OK', message: 'b', boot: { target: 'Pxe', enabled: 'Once' } }),
);

describe('SEL record', () => {
  it('property: every entry encodes to 16 bytes that decode to the same record', () => {
    fc.assert(
      fc.property(
        newEntry,
        fc.integer({ min: 1, max: 0xfffe }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (e, id, ts) => {
          const entry: SelEntry = { ...e, id, timestamp: ts };
          const rec = selRecordOf(entry);
          const bytes = encodeSelRecord(rec);
          expect(bytes.length).toBe(16);
          expect(decodeSelRecord(bytes)).toEqual(rec);
          expect(rec.recordId).toBe(id);
          expect(rec.timestamp).toBe(ts);
          if (e.kind === 'threshold') {
            expect(rec.eventType).toBe(0x01);
            expect(rec.deassertion).toBe(!e.threshold!.asserted);
          }
        },
      ),
    );
  });

  it('property: the decoder refuses every length but 16', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }).filter((b) => b.length !== 16),
        (b) => {
          expect(() => decodeSelRecord(b)).toThrow(IpmiDecodeError);
        },
      ),
    );
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));

describe('LAN configuration parameters', () => {
  const view = (address: string, id: string): LanParamView => ({
    lan: bmcLan(id, address),
    md5: true,
    cipherSuites: [17, 3],
    suitePrivilege: () => 4,
    setInProgress: 0,
  });

  it('property: address, MAC and netmask read back as the model has them; writing the same value is accepted', () => {
    fc.assert(
      fc.property(ipv4, fc.uuid(), (address, id) => {
        const v = view(address, id);
        const ip = encodeLanParam(LAN_PARAM.ipAddress, v)!;
        expect([...ip].join('.')).toBe(v.lan.address);
        const mac = encodeLanParam(LAN_PARAM.macAddress, v)!;
        expect([...mac].map((b) => b.toString(16).padStart(2, '0')).join(':')).toBe(v.lan.mac);
        expect(judgeLanWrite(LAN_PARAM.ipAddress, ip, v)).toBe('ok');
      }),
    );
  });

  it('property: a different address, MAC or VLAN is refused as read-only, a short write as a length error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(LAN_PARAM.ipAddress, LAN_PARAM.macAddress, LAN_PARAM.subnetMask, LAN_PARAM.vlanId),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (param, data) => {
          const v = view('127.0.0.5', 'n');
          const current = encodeLanParam(param, v)!;
          const b = Buffer.from(data);
          const verdict = judgeLanWrite(param, b, v);
          if (b.length !== current.length) expect(verdict).toBe('badLength');
          else expect(verdict).toBe(b.equals(current) ? 'ok' : 'readOnly');
        },
      ),
    );
  });

  it('unknown parameters are unsupported; the cipher suite privilege nibbles cover every offered suite', () => {
    const v = view('127.0.0.1', 'n');
    expect(encodeLanParam(99, v)).toBeUndefined();
    expect(judgeLanWrite(99, Buffer.from([1]), v)).toBe('unsupported');
    expect([...encodeLanParam(LAN_PARAM.cipherSuitePrivileges, v)!]).toEqual([0, 0x44, 0, 0, 0, 0, 0, 0, 0]);
  });
});
