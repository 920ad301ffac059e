import { request } from 'node:http';
import { stat } from 'node:fs/promises';
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BmcRecord,
  connectManagement,
  ManagementServer,
  managementPaths,
  type RegistryFile,
} from '../src/index.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();
const bmc = (node: string, port: number): BmcRecord => ({
  node,
  ipmi: { port },
  user: 'u',
  password: 'p',
  active: true,
});
const servers: ManagementServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function started(apply: (r: RegistryFile) => Promise<void> = async () => undefined) {
  const stateDir = await tempDir('bmcemu-mgmt-');
  const applied: RegistryFile[] = [];
  const server = new ManagementServer({
    stateDir,
    apply: async (r) => {
      await apply(r);
      applied.push(r);
    },
  });
  await server.start();
  servers.push(server);
  return { stateDir, applied, server };
}

function raw(socketPath: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: '/v1/bmcs', headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('management API', () => {
  it('a CLI reaches the running server, whose changes apply live', async () => {
    const { stateDir, applied } = await started();
    const m = await connectManagement(stateDir);
    expect(m.mode).toBe('live');
    await m.add(bmc('node-0', 6240));
    await m.set('node-0', { user: 'new', ipmi: { port: 6241 } });
    await m.stop('node-0');
    expect(applied.map((r) => r.bmcs[0] && [r.bmcs[0].user, r.bmcs[0].ipmi.port, r.bmcs[0].active])).toEqual([
      ['u', 6240, true],
      ['new', 6241, true],
      ['new', 6241, false],
    ]);
    await m.delete('node-0');
    expect((await m.list()).bmcs).toEqual([]);
    await expect(m.delete('node-0')).rejects.toThrow(/No BMC "node-0"/);
  });

  it('socket and token are owner-only; a wrong token is 401', async () => {
    const { stateDir } = await started();
    const p = managementPaths(stateDir);
    expect((await stat(p.socket)).mode & 0o777).toBe(0o600);
    expect((await stat(p.token)).mode & 0o777).toBe(0o600);
    expect(await raw(p.socket, 'x'.repeat(64))).toBe(401);
  });

  it('a change the server cannot apply is refused and the file put back', async () => {
    let refuse = false;
    const { stateDir } = await started(async (r) => {
      if (refuse && r.bmcs.some((b) => b.ipmi.port === 6300)) {
        throw new BmcEmuError(ErrorCode.Conflict, 'UDP 6300 is in use by pid 1 (init)');
      }
    });
    const m = await connectManagement(stateDir);
    await m.add(bmc('a', 6299));
    refuse = true;
    await expect(m.set('a', { ipmi: { port: 6300 } })).rejects.toThrow('UDP 6300 is in use by pid 1 (init)');
    expect((await m.list()).bmcs[0]!.ipmi.port).toBe(6299);
  });

  it('works on the file when no server runs, and a second server on one state dir is refused', async () => {
    const stateDir = await tempDir('bmcemu-mgmt-');
    const offline = await connectManagement(stateDir);
    expect(offline.mode).toBe('offline');
    await offline.add(bmc('x', 6250));
    const { server } = { server: new ManagementServer({ stateDir, apply: async () => undefined }) };
    await server.start();
    servers.push(server);
    await expect(new ManagementServer({ stateDir, apply: async () => undefined }).start()).rejects.toThrow(
      /already manages/,
    );
    const live = await connectManagement(stateDir);
    expect(live.mode).toBe('live');
    expect((await live.list()).bmcs.map((b) => b.node)).toEqual(['x']);
    await server.stop();
    expect((await connectManagement(stateDir)).mode).toBe('offline');
  });
});
