import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, MemoryDriver, makeNode } from '@bmc-emu/core';
import { describeEndpoints, IpmiServer, ipmiFrontEnd } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipmitool, run } from '../packages/ipmi/test/support/peers.js';
import { openRawSession, RawUdp } from '../packages/ipmi/test/support/rmcp-client.js';
import { command, requirePeers } from './support/peers.js';
import { frontEndInput } from './support/front-end-input.js';

async function freeUdpBase(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const sockets = [];
    let ok = true;
    for (let i = 0; i < count && ok; i++) {
      const s = createSocket('udp4');
      ok = await new Promise<boolean>((res) => {
        s.once('error', () => res(false));
        s.bind(base + i, '127.0.0.1', () => res(true));
      });
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (ok) return base;
  }
  throw new Error('no free UDP port range');
}

describe('IpmiServer endpoints follow the driver', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let base: number;

  beforeAll(async () => {
    base = await freeUdpBase(6);
    driver = new MemoryDriver({ nodes: demoNodes(3) });
    server = new IpmiServer({ driver, basePort: base, user: 'admin', password: 'password' });
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  it('gives node N port basePort + N, in driver list order', async () => {
    const eps = await server.start();
    const nodes = await driver.list();
    expect(eps.map((e) => e.port)).toEqual([base, base + 1, base + 2]);
    expect(eps.map((e) => e.nodeId)).toEqual(nodes.map((n) => n.id));
    expect(describeEndpoints('127.0.0.1', eps, true)).toBe(
      `ipmi udp 127.0.0.1:${base}-${base + 2} (3 BMCs, lanplus suites 3,17, lan MD5)`,
    );
  });

  it('keeps every BMC on its port across restarts when a node is added ahead of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ipmi-ports-'));
    const file = join(dir, 'ipmi-ports.json');
    const [a, b, c] = demoNodes(3) as [Node, Node, Node];
    const newcomer = makeNode({ name: 'newcomer' });
    const port = await freeUdpBase(8);
    try {
      const d1 = new MemoryDriver({ nodes: [a, b, c] });
      const s1 = new IpmiServer({ driver: d1, basePort: port, user: 'admin', password: 'password', portMapFile: file });
      const first = await s1.start();
      await s1.stop();
      await d1.close();
      expect(first.map((e) => [e.name, e.port])).toEqual([
        ['node-0', port],
        ['node-1', port + 1],
        ['node-2', port + 2],
      ]);
      // a node now sorts first in the driver's list: without the map everyone would shift by one
      const d2 = new MemoryDriver({ nodes: [newcomer, a, b, c] });
      const s2 = new IpmiServer({ driver: d2, basePort: port, user: 'admin', password: 'password', portMapFile: file });
      const second = await s2.start();
      await s2.stop();
      await d2.close();
      expect(Object.fromEntries(second.map((e) => [e.name, e.port]))).toEqual({
        'node-0': port,
        'node-1': port + 1,
        'node-2': port + 2,
        newcomer: port + 3,
      });
      const saved = JSON.parse(await readFile(file, 'utf8'));
      expect(saved.base).toBe(`127.0.0.1:${port}`);
      expect(saved.slots[newcomer.id]).toEqual({ address: '127.0.0.1', port: port + 3 });
      // a different basePort starts over from list order
      const d3 = new MemoryDriver({ nodes: [newcomer, a, b, c] });
      const s3 = new IpmiServer({
        driver: d3,
        basePort: port + 4,
        user: 'admin',
        password: 'password',
        portMapFile: file,
      });
      const third = await s3.start().catch(async (err) => {
        await d3.close();
        throw err;
      });
      await s3.stop();
      await d3.close();
      expect(third.find((e) => e.name === 'newcomer')?.port).toBe(port + 4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens an endpoint for an added node and closes it for a removed one, without a restart', async () => {
    const added = driver.addNode(makeNode({ name: 'hot-1' }));
    await expect.poll(() => server.list().length, { timeout: 2000 }).toBe(4);
    const ep = server.list().find((e) => e.nodeId === added.id)!;
    expect(ep.port).toBe(base + 3);
    const udp = new RawUdp(ep.port);
    expect((await openRawSession(udp)).ok).toBe(true);
    driver.removeNode(added.id);
    await expect.poll(() => server.list().length, { timeout: 2000 }).toBe(3);
    const after = await openRawSession(udp);
    expect(after).toEqual({ ok: false, stage: 'timeout' });
    udp.close();
    // a removed node's port is reused by the next node
    const again = driver.addNode(makeNode({ name: 'hot-2' }));
    await expect.poll(() => server.list().find((e) => e.nodeId === again.id)?.port, { timeout: 2000 }).toBe(base + 3);
  });
});

const gate = requirePeers('ipmi front end + ipmitool', [command('ipmitool')]);
gate.describe('ipmiFrontEnd', () => {
  it('is undefined when disabled, and serves what config says when enabled', async () => {
    const driver = new MemoryDriver({ nodes: demoNodes(2) });
    expect(ipmiFrontEnd(frontEndInput({ ipmi: { enabled: false } }, 'ipmi', driver))).toBeUndefined();
    const base = await freeUdpBase(2);
    const stateDir = await mkdtemp(join(tmpdir(), 'ipmi-fe-'));
    const config = { stateDir, password: 'fe-secret', ipmi: { basePort: base, ipmi15: false } };
    const fe = ipmiFrontEnd(frontEndInput(config, 'ipmi', driver))!;
    try {
      expect(await fe.start()).toEqual([`ipmi udp 127.0.0.1:${base}-${base + 1} (2 BMCs, lanplus suites 3,17)`]);
      const plus = await ipmitool('lanplus17', base + 1, 'chassis power status', 'fe-secret');
      expect(plus.stdout).toContain('Chassis Power is off');
      // IPMI 1.5 turned off: -I lan is refused
      const lan = await ipmitool('lan', base + 1, 'chassis power status', 'fe-secret');
      expect(lan.code).not.toBe(0);
    } finally {
      await fe.stop();
    }
    // one IP per node (any 127/8 address works on lo) with per-node credentials and a BMC key
    const port = await freeUdpBase(1);
    const perIp = {
      stateDir,
      ipmi: {
        addressBase: '127.0.99.10',
        addressPort: port,
        kg: 'gkey',
        credentials: { 'node-1': { user: 'root', password: 'node1-pw' } },
      },
    };
    const fe2 = ipmiFrontEnd(frontEndInput(perIp, 'ipmi', driver))!;
    try {
      expect(await fe2.start()).toEqual([
        `ipmi udp 127.0.99.10-127.0.99.11:${port} (2 BMCs, lanplus suites 3,17, lan MD5)`,
      ]);
      const common = ['-I', 'lanplus', '-C', '17', '-p', String(port), '-k', 'gkey'];
      const n0 = await run('ipmitool', [...common, '-H', '127.0.99.10', '-U', 'admin', '-P', 'password', 'mc', 'guid']);
      expect(n0.stdout, n0.stderr).toContain((await driver.list())[0]!.id);
      const n1 = await run('ipmitool', [...common, '-H', '127.0.99.11', '-U', 'root', '-P', 'node1-pw', 'mc', 'guid']);
      expect(n1.stdout, n1.stderr).toContain((await driver.list())[1]!.id);
      // node-1 does not take the default credentials, and a wrong Kg fails the session
      const wrongUser = await run('ipmitool', [
        ...common,
        '-H',
        '127.0.99.11',
        '-U',
        'admin',
        '-P',
        'password',
        'mc',
        'guid',
      ]);
      expect(wrongUser.code).not.toBe(0);
      const wrongKg = await run('ipmitool', [
        '-I',
        'lanplus',
        '-C',
        '17',
        '-p',
        String(port),
        '-k',
        'other',
        '-H',
        '127.0.99.10',
        '-U',
        'admin',
        '-P',
        'password',
        'mc',
        'guid',
      ]);
      expect(wrongKg.code).not.toBe(0);
    } finally {
      await fe2.stop();
      await driver.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
