/** A registered BMC's own account on Redfish: python3-sushy sees and acts on that one system only. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { freeUdpRange, type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_scoped.py', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('per-node Redfish accounts', [pythonModule('sushy')]);

interface Seen {
  systems: string[];
  own_power: string;
  reset_other: number;
  get_other: number;
}

gate.describe('per-node accounts on Redfish (real python3-sushy against serve)', () => {
  let serve: ServeProcess;
  let stateDir: string;
  let ids: { own: string; other: string };

  const url = () => `https://127.0.0.1:${serve.redfishPort}/redfish/v1`;
  const curlAuth = (userPass: string) => ['-s', '--cacert', join(stateDir, 'tls', 'ca.crt'), '-u', userPass];
  const curlJson = async (userPass: string, path: string) =>
    JSON.parse((await run('curl', [...curlAuth(userPass), `${url()}${path}`])).stdout) as {
      Members: Array<{ '@odata.id': string }>;
    };

  const sushyAs = async (user: string, password: string): Promise<Seen> => {
    // requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override sushy's `verify=`: run the script without them.
    const r = await run('env', [
      '-u',
      'REQUESTS_CA_BUNDLE',
      '-u',
      'CURL_CA_BUNDLE',
      DEBIAN_PYTHON,
      SCRIPT,
      url(),
      user,
      password,
      ids.other,
      join(stateDir, 'tls', 'ca.crt'),
    ]);
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-1500)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Seen;
  };

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-rf-accounts-');
    serve = await startServe({ nodes: 2, stateDir });
    const port = await freeUdpRange(1);
    const add = spawnSync(
      process.execPath,
      [
        BIN,
        'bmc',
        'add',
        'node-0',
        '--port',
        String(port),
        '--username',
        'n0',
        '--password',
        'n0-pw',
        '--state-dir',
        stateDir,
      ],
      { encoding: 'utf8' },
    );
    expect(add.stdout).toMatch(/applied to the running server/);
    // node-0's id as the admin sees it, via the name redirect (301 Location: /redfish/v1/Systems/<uuid>)
    const loc = await run('curl', [
      ...curlAuth('admin:password'),
      '-o',
      '/dev/null',
      '-w',
      '%{redirect_url}',
      `${url()}/Systems/node-0`,
    ]);
    const own = loc.stdout.split('/').pop()!;
    const all = await curlJson('admin:password', '/Systems');
    const other = all.Members.map((m) => m['@odata.id'].split('/').pop()!).find((id) => id !== own)!;
    ids = { own, other };
  });
  afterAll(() => serve?.stop());

  it('the per-node account lists its own system only; reading or resetting another is 404', async () => {
    const seen = await sushyAs('n0', 'n0-pw');
    expect(seen.systems).toEqual([ids.own]);
    expect(seen.own_power).toMatch(/^PowerState\./);
    expect(seen.get_other).toBe(404);
    expect(seen.reset_other).toBe(404);
  });

  it('the top-level admin sees every system and may reset another', async () => {
    const seen = await sushyAs('admin', 'password');
    expect(seen.systems.sort()).toEqual([ids.own, ids.other].sort());
    expect(seen.get_other).toBe(200);
    expect(seen.reset_other).toBe(200);
  });

  it('a wrong password for the per-node account is 401', async () => {
    const r = await run('curl', [...curlAuth('n0:wrong'), '-o', '/dev/null', '-w', '%{http_code}', `${url()}/Systems`]);
    expect(r.stdout).toBe('401');
  });
});
