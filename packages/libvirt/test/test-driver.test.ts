import { fileURLToPath } from 'node:url';
import { ErrorCode, isBmcEmuError } from '@bmc-emu/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLibvirtDriver, type LibvirtDriver, probeLibvirt, Virsh, virshError } from '../src/index.js';

// libvirt's built-in test driver: no daemon, state lives per connection (so only reads are checked here;
// writes are covered on a real libvirtd by test/libvirt-*.test.ts).
const HOST2 = `test://${fileURLToPath(new URL('../../../fixtures/libvirt/test-host.xml', import.meta.url))}`;

describe('LibvirtDriver on test:///default and a second test hypervisor', () => {
  let driver: LibvirtDriver;
  beforeAll(async () => {
    driver = await createLibvirtDriver({ uris: ['test:///default', HOST2], pollIntervalMs: 60_000 });
  });
  afterAll(() => driver?.close());

  it('lists the domains of every URI with their source', async () => {
    const nodes = await driver.list();
    expect(nodes.map((n) => [n.name, n.source])).toEqual([
      ['test', 'test:///default'],
      ['hv2-node', HOST2],
    ]);
    const hv2 = nodes[1]!;
    expect(hv2).toMatchObject({ id: '5b12ce7c-e32e-438f-98d1-ec4b68f01c19', memoryMiB: 1024, powerState: 'On' });
    expect(hv2.nics[0]!.mac).toBe('52:54:00:bb:00:01');
    expect(hv2.cpu.count).toBe(2);
  });

  it('gets by UUID and by name; unknown ids are BMCEMU_NODE_NOT_FOUND', async () => {
    expect((await driver.get('test')).id).toBe('6695eb01-f6a4-8304-79aa-97f2502e193f');
    expect((await driver.get('6695eb01-f6a4-8304-79aa-97f2502e193f')).name).toBe('test');
    const err = await driver.get('nope').catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.NodeNotFound)).toBe(true);
    const err2 = await driver.power('nope', 'On').catch((e: unknown) => e);
    expect(isBmcEmuError(err2, ErrorCode.NodeNotFound)).toBe(true);
  });

  it('serves a burst of 200 concurrent gets from the cache without spawning virsh', async () => {
    const before = driver.virshCalls;
    const nodes = await Promise.all(Array.from({ length: 200 }, (_, i) => driver.get(i % 2 ? 'test' : 'hv2-node')));
    expect(nodes).toHaveLength(200);
    expect(driver.virshCalls - before).toBe(0);
  });

  it('rejects unknown boot targets, unsupported ones and bad power actions with typed errors', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately wrong input
    const bad = await driver.setBootOverride('test', { target: 'Tape' as any }).catch((e: unknown) => e);
    expect(isBmcEmuError(bad, ErrorCode.InvalidArgument)).toBe(true);
    const shell = await driver.setBootOverride('test', { target: 'UefiShell' }).catch((e: unknown) => e);
    expect(isBmcEmuError(shell, ErrorCode.Unsupported)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately wrong input
    const act = await driver.power('test', 'Explode' as any).catch((e: unknown) => e);
    expect(isBmcEmuError(act, ErrorCode.InvalidArgument)).toBe(true);
  });
});

describe('unreachable libvirt', () => {
  const dead = 'qemu:///system?socket=/nonexistent/bmc-emu-libvirt-sock';

  it('createLibvirtDriver fails with BMCEMU_DRIVER_UNAVAILABLE and probeLibvirt says false', async () => {
    const err = await createLibvirtDriver({ uris: [dead] }).catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.DriverUnavailable)).toBe(true);
    expect(await probeLibvirt(dead)).toBe(false);
    expect(await probeLibvirt('test:///default')).toBe(true);
  });

  it('one dead URI among live ones: its nodes are missing, the others are served', async () => {
    const driver = await createLibvirtDriver({ uris: ['test:///default', dead], pollIntervalMs: 60_000 });
    try {
      expect((await driver.list()).map((n) => n.name)).toEqual(['test']);
      // a name that might live on the dead hypervisor cannot be called missing
      const err = await driver.get('elsewhere').catch((e: unknown) => e);
      expect(isBmcEmuError(err, ErrorCode.DriverUnavailable)).toBe(true);
    } finally {
      await driver.close();
    }
  });
});

describe('virsh error mapping and batching', () => {
  it('maps virsh stderr onto typed errors', () => {
    const uri = 'qemu:///system';
    expect(virshError(uri, ['list'], 'error: failed to connect to the hypervisor').code).toBe(
      ErrorCode.DriverUnavailable,
    );
    expect(virshError(uri, ['start', 'x'], "error: failed to get domain 'x'").code).toBe(ErrorCode.NodeNotFound);
    expect(virshError(uri, ['reset', 'x'], 'error: Requested operation is not valid: domain is not running').code).toBe(
      ErrorCode.Conflict,
    );
    expect(virshError(uri, ['define', 'x'], 'error: XML error: bad').code).toBe(ErrorCode.Internal);
  });

  it('runs several commands in one virsh process and leaves failed ones empty', async () => {
    const v = new Virsh({ uri: 'test:///default' });
    const out = await v.batch([
      ['dominfo', 'test'],
      ['dumpxml', 'nosuch'],
      ['domstate', 'test'],
    ]);
    expect(v.spawned).toBe(1);
    expect(out[0]).toMatch(/Name:\s+test/);
    expect(out[1]).toBeUndefined();
    expect(out[2]?.trim()).toBe('running');
  });
});
