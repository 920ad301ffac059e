/**
 * Two-node fencing credentials against a real consumer (issue #11): `lab render` writes a two-node lab's
 * install-config.yaml; the lab's BMCs go into a `bmc-emu serve` registry the offline way (`bmcs.json`, what
 * `lab up` writes when no serve runs, through the same `registerBmcs`); a real serve starts over libvirt's
 * built-in test driver loaded with the lab's own rendered domain XMLs (no libvirtd: `test:///<file>`), and
 * python3-sushy (Ironic's Redfish client) logs into every `controlPlane.fencing.credentials[]` address with
 * that credential's username and password, by session, and sees exactly that node. A wrong password is refused.
 * Then the consumer the credentials are for: Pacemaker's `fence_redfish` (fence-agents), as the two-node
 * cluster's STONITH device runs it, asks each node's power status through the same address and account.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel, loadLab, registerBmcs, StateFile } from '@bmc-emu/lab';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from './support/ironic.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { freeUdpRange } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const gate = requirePeers('two-node fencing credentials with python3-sushy and fence_redfish', [
  pythonModule('sushy'),
  command('virsh', 'libvirt-clients'),
  command('fence_redfish', 'fence-agents'),
]);
const tempDir = tempDirs();

/** Log in by session (no Basic fallback) at a fencing address; what that account sees; a wrong password. */
const SUSHY = `
import json, re, sys, warnings
import sushy
from sushy import auth as sushy_auth
from sushy import exceptions
warnings.filterwarnings('ignore')
address, user, pw = sys.argv[1:4]
m = re.match(r'^redfish\\+(https?://[^/]+)(/redfish/v1/Systems/[^/]+)$', address)
base, path = m.group(1), m.group(2)
auth = sushy_auth.SessionAuth(username=user, password=pw)
root = sushy.Sushy(base + '/redfish/v1', auth=auth, verify=False)
system = root.get_system(path)
out = {
    'id': system.identity,
    'power': str(system.power_state),
    'members': sorted(x.split('/')[-1] for x in root.get_system_collection().members_identities),
    'session': auth.get_session_resource_id() is not None,
}
try:
    bad = sushy.Sushy(base + '/redfish/v1', auth=sushy_auth.SessionAuth(username=user, password=pw + 'x'), verify=False)
    bad.get_system(path)
    out['wrong_password'] = 'accepted'
except exceptions.SushyError as e:
    out['wrong_password'] = getattr(e, 'status_code', type(e).__name__)
print(json.dumps(out))
`;

/** requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override sushy's `verify=`: keep them out. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

interface Credential {
  hostName: string;
  username: string;
  password: string;
  address: string;
  certificateVerification: string;
}

gate.describe('two-node fencing credentials log in to a real serve (python3-sushy, libvirt test driver)', () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let serveOut = '';
  let creds: Credential[];
  let uuids: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('bmcemu-lab-tnf-');
    const redfishPort = await freePort();
    const ipmiBasePort = await freeUdpRange(2);
    const nodeFile = join(dir, 'test-node.xml');
    writeFileSync(
      join(dir, 'lab.yaml'),
      stringify({
        name: 'tnf',
        libvirt: { uris: [`test://${nodeFile}`] },
        bmc: { host: '127.0.0.1', redfishPort, ipmiBasePort, serveStateDir: 'serve' },
        controlPlane: {
          count: 2,
          memoryMiB: 256,
          disksGiB: [1],
          bmc: { username: 'cp', password: 'cp-pass' },
          fencing: {},
        },
        hosts: { 'master-1': { bmc: { username: 'm1', password: 'm1-pass' } } },
        networks: { baremetal: { forward: 'isolated' } },
      }),
    );
    const render = spawnSync(process.execPath, [BIN, 'lab', 'render', '-c', 'lab.yaml', '--out', 'out'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(render.status, render.stderr).toBe(0);
    const ic = parse(readFileSync(join(dir, 'out/install-config.yaml'), 'utf8'));
    creds = ic.controlPlane.fencing.credentials as Credential[];
    // libvirt's test driver serves the lab's own domains, exactly as rendered (UUIDs included)
    const domains = readdirSync(join(dir, 'out/libvirt/domains')).map((f) =>
      readFileSync(join(dir, 'out/libvirt/domains', f), 'utf8').replace(/<\?xml[^>]*>\s*/, ''),
    );
    writeFileSync(nodeFile, `<node>\n${domains.join('\n')}</node>\n`);
    const m = buildModel(await loadLab(join(dir, 'lab.yaml')));
    uuids = Object.fromEntries(m.nodes.map((n) => [n.name, n.uuid]));
    // the offline registration `lab up` does when no serve runs: the serve's bmcs.json
    const state = await StateFile.open(m.lab.stateDir, m.lab.name, m.hypervisors[0]!.uri);
    const reg = await registerBmcs(m, m.lab.bmc.serveStateDir, state);
    expect(reg).toMatchObject({ mode: 'offline', added: ['tnf-master-0', 'tnf-master-1'] });

    serve = spawn(
      process.execPath,
      [
        ...[BIN, 'serve', '--libvirt', m.hypervisors[0]!.uri, '--redfish-port', String(redfishPort)],
        ...['--ipmi-base-port', String(ipmiBasePort), '--state-dir', m.lab.bmc.serveStateDir, '--log-level', 'warn'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    serve.stdout!.on('data', (c: Buffer) => (serveOut += c.toString()));
    serve.stderr!.on('data', (c: Buffer) => (serveOut += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!serveOut.includes('bmc management') && Date.now() < deadline && serve.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    if (!serveOut.includes('bmc management')) throw new Error(`serve did not start: ${serveOut}`);
  }, 120_000);

  afterAll(async () => {
    const p = serve;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  });

  it("install-config names each master's own system and account, verification off for the self-signed cert", () => {
    expect(creds.map((c) => [c.hostName, c.username, c.password, c.certificateVerification])).toEqual([
      ['master-0', 'cp', 'cp-pass', 'Disabled'],
      ['master-1', 'm1', 'm1-pass', 'Disabled'],
    ]);
    for (const c of creds)
      expect(c.address).toMatch(
        new RegExp(`^redfish\\+https://127\\.0\\.0\\.1:\\d+/redfish/v1/Systems/${uuids[c.hostName]}$`),
      );
  });

  it('sushy logs into every fencing address with its credential, by session, and sees only that node', () => {
    for (const c of creds) {
      const r = spawnSync(DEBIAN_PYTHON, ['-c', SUSHY, c.address, c.username, c.password], {
        encoding: 'utf8',
        timeout: 120_000,
        env: pythonEnv(),
      });
      expect(r.status, `${c.hostName}: ${r.stderr}\n${serveOut}`).toBe(0);
      const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(seen).toEqual({
        id: uuids[c.hostName],
        power: expect.stringMatching(/^PowerState\.(ON|OFF)$/),
        members: [uuids[c.hostName]],
        session: true,
        wrong_password: 401,
      });
    }
  }, 240_000);

  it("fence_redfish (Pacemaker's agent) reads each node's power status with its fencing credential", () => {
    const fence = (c: Credential, password: string, username = c.username) => {
      const u = new URL(c.address.replace(/^redfish\+/, ''));
      return spawnSync(
        'fence_redfish',
        [
          ...[`--ip=${u.hostname}`, `--ipport=${u.port}`, `--username=${username}`, `--password=${password}`],
          ...['--ssl-insecure', `--systems-uri=${u.pathname}`, '--action=status'],
        ],
        { encoding: 'utf8', timeout: 120_000, env: pythonEnv() },
      );
    };
    for (const c of creds) {
      const ok = fence(c, c.password);
      expect(ok.status, `${c.hostName}: ${ok.stdout}${ok.stderr}`).toBe(0);
      expect(ok.stdout).toMatch(/^Status: (ON|OFF)$/m);
      const bad = fence(c, `${c.password}x`);
      expect(bad.status, bad.stdout).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/Unable to get PowerState/);
    }
    // a per-host account fences its own node only: master-1's login cannot act on master-0
    expect(fence(creds[0]!, creds[1]!.password, creds[1]!.username).status).not.toBe(0);
  }, 240_000);
});
