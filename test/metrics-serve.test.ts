/**
 * `bmc-emu serve` answers `GET /metrics` on the Redfish listener without credentials; real ipmitool and
 * python3-sushy traffic moves its counters by exactly what they sent, and promtool accepts the page.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, expect, it } from 'vitest';
import { ipmitool, run } from '../packages/ipmi/test/support/peers.js';
import { basic, httpsJson } from './support/https-json.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();
const gate = requirePeers('metrics in serve', [
  command('ipmitool'),
  pythonModule('sushy'),
  command('promtool', 'prometheus'),
]);

interface Family {
  name: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}
type Page = Map<string, Family>;

async function scrape(base: string, ca: string): Promise<{ text: string; page: Page; status: number }> {
  const r = await httpsJson(`${base}/metrics`, { ca });
  const text = String(r.body);
  const parsed = parsePrometheusTextFormat(text) as Family[];
  return { text, status: r.status, page: new Map(parsed.map((f) => [f.name, f])) };
}
/** The sample with exactly these labels (among others); 0 when the series does not exist yet. */
function sample(page: Page, name: string, labels: Record<string, string>): number {
  const m = page.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m ? Number(m.value) : 0;
}

const SUSHY = `
import os, sys, sushy
from sushy import auth
# requests lets these override sushy's verify=
for k in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
    os.environ.pop(k, None)
base, ca, path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
root = sushy.Sushy(base + '/redfish/v1', auth=auth.BasicAuth('admin', 'password'), verify=ca)
system = root.get_system(path)
for _ in range(n):
    system.refresh(force=True)
print(system.power_state)
`;

gate.describe('GET /metrics in bmc-emu serve', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });

  it('counts real ipmitool and sushy traffic exactly, unauthenticated, and passes promtool', async () => {
    const stateDir = await tempDir('bmcemu-metrics-serve-');
    serve = await startServe({ nodes: 2, stateDir });
    const base = `https://127.0.0.1:${serve.redfishPort}`;
    const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    const before = await scrape(base, ca);
    expect(before.status).toBe(200);
    expect(before.page.get('bmcemu_node_power_on')?.metrics).toHaveLength(2);
    // only /metrics is open: the rest of the listener still wants credentials
    expect((await httpsJson(`${base}/redfish/v1/Systems`, { ca })).status).toBe(401);
    expect((await httpsJson(`${base}/metrics/other`, { ca })).status).toBe(404);

    const chassisStatus = { netfn: '0x00', cmd: '0x01', cc: '0x00', session: '2.0' };
    for (let i = 0; i < 3; i++) {
      const r = await ipmitool('lanplus17', serve.ipmiBasePort + 1, 'chassis power status');
      expect(r.stdout, r.stderr).toMatch(/Chassis Power is (on|off)/);
    }

    const systems = await httpsJson(`${base}/redfish/v1/Systems`, { ca, headers: basic('admin', 'password') });
    const path = (systems.body as { Members: Array<{ '@odata.id': string }> }).Members[0]!['@odata.id'];
    const script = join(stateDir, 'sushy_refresh.py');
    await writeFile(script, SUSHY);
    const s = await run(DEBIAN_PYTHON, [script, base, join(stateDir, 'tls', 'ca.crt'), path, '4']);
    expect(s.code, s.stderr).toBe(0);

    const after = await scrape(base, ca);
    const ipmi = 'bmcemu_ipmi_commands_total';
    expect(sample(after.page, ipmi, chassisStatus) - sample(before.page, ipmi, chassisStatus)).toBe(3);
    const rf = 'bmcemu_redfish_requests_total';
    const systemGet = { method: 'GET', route: '/redfish/v1/Systems/{id}', status: '200' };
    // get_system fetches it once, then each forced refresh once more
    expect(sample(after.page, rf, systemGet) - sample(before.page, rf, systemGet)).toBe(5);
    const collection = { method: 'GET', route: '/redfish/v1/Systems', status: '200' };
    expect(sample(after.page, rf, collection) - sample(before.page, rf, collection)).toBe(1);
    const denied = { method: 'GET', route: '/redfish/v1/Systems', status: '401' };
    expect(sample(after.page, rf, denied) - sample(before.page, rf, denied)).toBe(1);
    // ipmitool closed its sessions; the driver's get/list calls were timed
    expect(sample(after.page, 'bmcemu_ipmi_sessions_active', {})).toBe(0);
    expect(after.page.get('bmcemu_ipmi_sessions_active')?.metrics).toHaveLength(2);
    expect(after.text).toMatch(/^bmcemu_driver_operation_duration_seconds_count\{op="get",result="ok"\} [1-9]/m);

    const lint = execFileSync('promtool', ['check', 'metrics'], { input: after.text, encoding: 'utf8' });
    expect(lint.trim()).toBe('');
  });

  it('does not serve /metrics with metrics.enabled false (BMCEMU_METRICS_ENABLED=false)', async () => {
    const stateDir = await tempDir('bmcemu-metrics-off-');
    serve = await startServe({ nodes: 1, stateDir, env: { BMCEMU_METRICS_ENABLED: 'false' } });
    const base = `https://127.0.0.1:${serve.redfishPort}`;
    const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    const r = await httpsJson(`${base}/metrics`, { ca });
    expect(r.status).toBe(404);
  });
});
