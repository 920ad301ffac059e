import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectManagement, readRegistry } from '@bmc-emu/manage';
import { afterEach, describe, expect, it } from 'vitest';
import { registerBmcs, StateFile, unregisterBmcs } from '../src/index.js';
import { model } from './helpers.js';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'lab-bmcs-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const lab = (dir: string, cp = 2) =>
  model({
    stateDir: join(dir, 'lab'),
    controlPlane: { count: cp },
    bmc: { host: '127.0.0.1', ipmiBasePort: 7000 },
    hosts: { 'master-1': { bmc: { username: 'm1', password: 'm1-secret' } } },
  });

describe('lab BMCs in a serve registry (offline: no serve runs)', () => {
  it('up adds one BMC per node with its port and account; a re-run changes nothing', async () => {
    const dir = await tmp();
    const m = lab(dir);
    const state = await StateFile.open(m.lab.stateDir, m.lab.name, 'qemu:///system');
    const serveDir = join(dir, 'serve');
    const r = await registerBmcs(m, serveDir, state);
    expect(r).toMatchObject({ mode: 'offline', added: ['lab-master-0', 'lab-master-1'], changed: [] });
    const reg = await readRegistry(join(serveDir, 'bmcs.json'));
    expect(reg.bmcs.map((b) => [b.node, b.ipmi.address, b.ipmi.port, b.user, b.password, b.active])).toEqual([
      ['lab-master-0', '127.0.0.1', 7000, 'admin', 'password', true],
      ['lab-master-1', '127.0.0.1', 7001, 'm1', 'm1-secret', true],
    ]);
    const again = await registerBmcs(m, serveDir, state);
    expect(again).toMatchObject({ added: [], changed: [], removed: [] });
    const saved = JSON.parse(await readFile(join(m.lab.stateDir, 'lab-state.json'), 'utf8')) as {
      bmcs: { node: string; status: string }[];
    };
    expect(saved.bmcs.map((b) => [b.node, b.status])).toEqual([
      ['lab-master-0', 'done'],
      ['lab-master-1', 'done'],
    ]);
  });

  it('down removes only what up added, and puts back a BMC up replaced', async () => {
    const dir = await tmp();
    const serveDir = join(dir, 'serve');
    const mg = await connectManagement(serveDir);
    const theirs = { node: 'someone-else', ipmi: { port: 7100 }, active: true };
    const old = { node: 'lab-master-0', ipmi: { port: 7200 }, user: 'old', password: 'old-pw', active: false };
    await mg.add(theirs);
    await mg.add(old);
    const m = lab(dir);
    const state = await StateFile.open(m.lab.stateDir, m.lab.name, 'qemu:///system');
    const r = await registerBmcs(m, serveDir, state);
    expect(r).toMatchObject({ added: ['lab-master-1'], changed: ['lab-master-0'] });
    expect((await mg.list()).bmcs.find((b) => b.node === 'lab-master-0')?.ipmi.port).toBe(7000);
    expect(await unregisterBmcs(state)).toEqual(['lab-master-0', 'lab-master-1']);
    const left = (await mg.list()).bmcs;
    expect(left).toEqual(expect.arrayContaining([theirs, old]));
    expect(left).toHaveLength(2);
    await state.removeIfEmpty();
    await expect(readFile(join(m.lab.stateDir, 'lab-state.json'))).rejects.toThrow(/ENOENT/);
  });

  it('a lab that shrank releases the BMCs of the nodes it no longer has', async () => {
    const dir = await tmp();
    const serveDir = join(dir, 'serve');
    const state = await StateFile.open(join(dir, 'lab'), 'lab', 'qemu:///system');
    await registerBmcs(lab(dir, 3), serveDir, state);
    const r = await registerBmcs(lab(dir, 1), serveDir, state);
    expect(r.removed).toEqual(['lab-master-1', 'lab-master-2']);
    expect((await readRegistry(join(serveDir, 'bmcs.json'))).bmcs.map((b) => b.node)).toEqual(['lab-master-0']);
  });

  it('a port another BMC of the registry has is refused, naming it, and nothing is recorded', async () => {
    const dir = await tmp();
    const serveDir = join(dir, 'serve');
    const mg = await connectManagement(serveDir);
    await mg.add({ node: 'squatter', ipmi: { port: 7001 }, active: true });
    const m = lab(dir);
    const state = await StateFile.open(m.lab.stateDir, m.lab.name, 'qemu:///system');
    await expect(registerBmcs(m, serveDir, state)).rejects.toThrow(/already squatter's/);
    expect(state.bmcs.map((b) => b.node)).toEqual(['lab-master-0']);
  });

  it('an IPMI-invalid account is refused naming the lab.yaml keys to change', async () => {
    const dir = await tmp();
    const m = model({
      stateDir: join(dir, 'lab'),
      controlPlane: { count: 1 },
      bmc: { username: 'a-user-name-longer-than-16' },
    });
    const state = await StateFile.open(m.lab.stateDir, m.lab.name, 'qemu:///system');
    await expect(registerBmcs(m, join(dir, 'serve'), state)).rejects.toThrow(/shorten bmc\.username\/password/);
  });
});
