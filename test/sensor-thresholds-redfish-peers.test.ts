/**
 * Redfish PATCH of Sensor Thresholds with real clients against a real `bmc-emu serve` over verified TLS:
 * python3-sushy's own connector (what Ironic sends with) and redfishtool's `raw PATCH`, read back over IPMI
 * with `ipmitool sensor get` (and the other way round: `ipmitool sensor thresh`, read by both Redfish
 * clients). The refusals (PropertyNotWritable, PropertyValueConflict, PropertyValueTypeError) reach the
 * clients as 400 with the Redfish error body, change nothing, and the service keeps serving. Set values
 * survive a restart of serve.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitoolArgs, run } from '../packages/ipmi/test/support/peers.js';
import { basic, httpsJson } from './support/https-json.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_requests.py', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('sensor thresholds over Redfish (sushy, redfishtool) and IPMI (ipmitool)', [
  pythonModule('sushy'),
  command('redfishtool'),
  command('ipmitool'),
]);

interface SushyAnswer {
  status: number;
  body?: { Thresholds?: Record<string, { Reading: number }> } & Record<string, unknown>;
  error?: { code: string; message: string; '@Message.ExtendedInfo': Array<{ MessageId: string }> };
  kind?: string;
}
interface SushyRequest {
  method: 'get' | 'patch';
  path: string;
  body?: unknown;
}

gate.describe('sensor thresholds: sushy and redfishtool PATCH, ipmitool reads (and the reverse)', () => {
  let serve: ServeProcess;
  let stateDir: string;
  let ca: string;
  let chassis: string;

  const url = () => `https://127.0.0.1:${serve.redfishPort}/redfish/v1`;
  const sensor = (id: string) => `/redfish/v1/Chassis/${chassis}/Sensors/${id}`;
  const sushy = async (requests: SushyRequest[]): Promise<SushyAnswer[]> => {
    // requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override sushy's `verify=`: run the script without them
    const r = await run(
      'env',
      [
        ...['-u', 'REQUESTS_CA_BUNDLE', '-u', 'CURL_CA_BUNDLE', DEBIAN_PYTHON, SCRIPT],
        ...[url(), 'admin', 'password', join(stateDir, 'tls', 'ca.crt'), JSON.stringify(requests)],
      ],
      60_000,
    );
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-1500)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as SushyAnswer[];
  };
  /** redfishtool over HTTPS; -sssss prints the answer's body on a refusal too (on stderr or stdout). */
  const redfishtool = (...args: string[]) =>
    run(
      'env',
      [
        ...['-u', 'REQUESTS_CA_BUNDLE', '-u', 'CURL_CA_BUNDLE', 'redfishtool'],
        ...['-r', `127.0.0.1:${serve.redfishPort}`, '-u', 'admin', '-p', 'password', '-S', 'Always', ...args],
      ],
      60_000,
    );
  const ipmitool = (...args: string[]) => run('ipmitool', [...ipmitoolArgs('lanplus17', serve.ipmiBasePort), ...args]);
  /** `ipmitool sensor get` thresholds by ipmitool's own names. */
  const ipmiThresholds = async (name: string) => {
    const r = await ipmitool('sensor', 'get', name);
    expect(r.code, r.stderr).toBe(0);
    const out: Record<string, number> = {};
    for (const m of r.stdout.matchAll(/^\s*((?:Lower|Upper) [\w-]+)\s+:\s+([\d.]+)\s*$/gm)) {
      out[m[1]!] = Number(m[2]);
    }
    return out;
  };

  const start = async () => {
    serve = await startServe({ nodes: 1, stateDir });
    ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    const col = await httpsJson(`${url()}/Chassis`, { ca, headers: basic('admin', 'password') });
    expect(col.status).toBe(200);
    const ids = (col.body as { Members: Array<{ '@odata.id': string }> }).Members.map((m) =>
      m['@odata.id'].split('/').pop()!,
    );
    // the node's own chassis (the one with Sensors), not a hypervisor's
    chassis = ids.find((id) => /^[0-9a-f-]{36}$/.test(id))!;
    expect(chassis).toBeDefined();
  };

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-rf-thresholds-');
    await start();
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
  });

  it('sushy PATCHes Fan2 UpperCritical; the answer, a sushy GET and ipmitool sensor get all show it', async () => {
    const [patched, read] = await sushy([
      { method: 'patch', path: sensor('Fan2'), body: { Thresholds: { UpperCritical: { Reading: 14100 } } } },
      { method: 'get', path: sensor('Fan2') },
    ]);
    expect(patched!.status, JSON.stringify(patched)).toBe(200);
    expect(patched!.body!.Thresholds!.UpperCritical!.Reading).toBe(14100);
    expect(read!.body!.Thresholds!.UpperCritical!.Reading).toBe(14100);
    const ipmi = await ipmiThresholds('Fan2');
    expect(ipmi['Upper Critical']).toBe(14100);
    // what was not in the PATCH stays as it was, on both sides
    expect(ipmi['Upper Non-Critical']).toBe(read!.body!.Thresholds!.UpperCaution!.Reading);
    expect(ipmi['Upper Non-Recoverable']).toBe(read!.body!.Thresholds!.UpperFatal!.Reading);
  });

  it('redfishtool raw PATCH of CPU1Temp UpperCaution: ipmitool shows Upper Non-Critical changed', async () => {
    const r = await redfishtool(
      'raw',
      'PATCH',
      sensor('CPU1Temp'),
      '-d',
      JSON.stringify({ Thresholds: { UpperCaution: { Reading: 78 } } }),
    );
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as { Thresholds: Record<string, { Reading: number }> };
    expect(body.Thresholds.UpperCaution!.Reading).toBe(78);
    const ipmi = await ipmiThresholds('CPU1 Temp');
    expect(ipmi['Upper Non-Critical']).toBe(78);
    expect(ipmi['Upper Critical']).toBe(body.Thresholds.UpperCritical!.Reading);
    const get = await redfishtool('raw', 'GET', sensor('CPU1Temp'));
    expect(get.code, get.stderr).toBe(0);
    expect((JSON.parse(get.stdout) as typeof body).Thresholds.UpperCaution!.Reading).toBe(78);
  });

  it('ipmitool sensor thresh sets Fan1; sushy and redfishtool read the same three thresholds', async () => {
    const set = await ipmitool('sensor', 'thresh', 'Fan1', 'upper', '9000', '9600', '10200');
    expect(set.code, set.stderr).toBe(0);
    const [viaSushy] = await sushy([{ method: 'get', path: sensor('Fan1') }]);
    const rt = await redfishtool('raw', 'GET', sensor('Fan1'));
    expect(rt.code, rt.stderr).toBe(0);
    const viaTool = JSON.parse(rt.stdout) as { Thresholds: Record<string, { Reading: number }> };
    for (const t of [viaSushy!.body!.Thresholds!, viaTool.Thresholds]) {
      expect(t.UpperCaution!.Reading).toBe(9000);
      expect(t.UpperCritical!.Reading).toBe(9600);
      expect(t.UpperFatal!.Reading).toBe(10200);
    }
  });

  it('refusals reach sushy as 400 with PropertyNotWritable / PropertyValueTypeError, and nothing changes', async () => {
    const before = await ipmiThresholds('Inlet Temp');
    const answers = await sushy([
      { method: 'patch', path: sensor('InletTemp'), body: { Thresholds: { LowerCaution: { Reading: 10 } } } },
      { method: 'patch', path: sensor('PSU1InputVoltage'), body: { Thresholds: { UpperCritical: { Reading: 262 } } } },
      { method: 'patch', path: sensor('Fan2'), body: { Thresholds: { UpperCritical: { Reading: 'fast' } } } },
      { method: 'patch', path: sensor('NoSuchSensor'), body: { Thresholds: { UpperCritical: { Reading: 1 } } } },
    ]);
    const ids = (a: SushyAnswer) => (a.error?.['@Message.ExtendedInfo'] ?? []).map((i) => i.MessageId).join(' ');
    const [cold, volts, type, missing] = answers as [SushyAnswer, SushyAnswer, SushyAnswer, SushyAnswer];
    for (const a of [cold, volts, type]) {
      expect(a.status, JSON.stringify(a)).toBe(400);
      expect(a.kind).toBe('BadRequestError');
    }
    expect(ids(cold)).toMatch(/^Base\.1\.\d+\.\d+\.PropertyNotWritable\b/);
    // the threshold object itself is what the sensor does not let a client write
    expect(cold.error!['@Message.ExtendedInfo'][0]).toMatchObject({ RelatedProperties: ['Thresholds/LowerCaution'] });
    expect(ids(volts)).toMatch(/PropertyNotWritable/);
    expect(ids(type)).toMatch(/PropertyValueTypeError/);
    expect(missing.status).toBe(404);
    expect(missing.kind).toBe('ResourceNotFoundError');
    expect(await ipmiThresholds('Inlet Temp')).toEqual(before);
    expect((await ipmiThresholds('Fan2'))['Upper Critical']).toBe(14100);
  });

  it('a bad order reaches redfishtool as 400 with PropertyValueConflict; ipmitool still reads the old value', async () => {
    const r = await redfishtool(
      '-sssss',
      'raw',
      'PATCH',
      sensor('CPU1Temp'),
      '-d',
      JSON.stringify({ Thresholds: { UpperCritical: { Reading: 70 } } }),
    );
    expect(r.code).not.toBe(0);
    const all = `${r.stdout}\n${r.stderr}`;
    expect(all).toMatch(/status_code: 400/);
    const data = /Response\. Data: (\{"error".*\})\s*$/m.exec(all);
    expect(data, all).not.toBeNull();
    const err = (JSON.parse(data![1]!) as { error: NonNullable<SushyAnswer['error']> }).error;
    expect(err.code).toMatch(/PropertyValueConflict$/);
    expect(err['@Message.ExtendedInfo'][0]).toMatchObject({
      MessageArgs: ['Thresholds/UpperCritical/Reading', 'Thresholds'],
    });
    const ipmi = await ipmiThresholds('CPU1 Temp');
    expect(ipmi['Upper Critical']).toBe(95);
    expect(ipmi['Upper Non-Critical']).toBe(78);
    expect((await ipmitool('sensor', 'list')).code).toBe(0); // both protocols keep serving
    expect((await redfishtool('raw', 'GET', sensor('CPU1Temp'))).code).toBe(0);
  });

  it('after a restart of serve (same state dir) both protocols show the values the clients set', async () => {
    await serve.stop();
    await start();
    const [fan2, cpu] = await sushy([
      { method: 'get', path: sensor('Fan2') },
      { method: 'get', path: sensor('CPU1Temp') },
    ]);
    expect(fan2!.body!.Thresholds!.UpperCritical!.Reading).toBe(14100);
    expect(cpu!.body!.Thresholds!.UpperCaution!.Reading).toBe(78);
    expect((await ipmiThresholds('Fan1'))['Upper Critical']).toBe(9600);
    expect((await ipmiThresholds('CPU1 Temp'))['Upper Non-Critical']).toBe(78);
  }, 60_000);
});
