/**
 * The NodeDriver contract: the same suite runs against the memory driver and against libvirt on a
 * real libvirtd, so the two cannot drift apart. Import and call from a *.test.ts file.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode, isBmcEmuError, type NodeDriver, type NodeEvent, waitForPower } from '../../src/index.js';

export interface ContractFixture {
  driver: NodeDriver;
  /** A node that starts powered off, with no media and no boot override. */
  nodeId: string;
  /** A readable ISO file to insert. */
  isoPath: string;
  cleanup?: () => Promise<void>;
}

export interface ContractOptions {
  powerTimeoutMs?: number;
  /** The guest honours ACPI shutdown (a memory node does; a TCG VM without an OS does not). */
  gracefulShutdownWorks?: boolean;
}

export function driverContract(setup: () => Promise<ContractFixture>, opts: ContractOptions = {}): void {
  const timeout = opts.powerTimeoutMs ?? 10_000;
  let fx: ContractFixture;
  let driver: NodeDriver;
  let id: string;

  beforeAll(async () => {
    fx = await setup();
    driver = fx.driver;
    id = fx.nodeId;
  });
  afterAll(async () => {
    if (!fx) return;
    await waitSettled();
    await driver.power(id, 'ForceOff').catch(() => undefined);
    await fx.cleanup?.();
  });

  async function waitSettled(): Promise<void> {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const n = await driver.get(id);
      if (n.powerState === 'On' || n.powerState === 'Off') return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('lists the node and gets it by id and by name', async () => {
    const nodes = await driver.list();
    const node = nodes.find((n) => n.id === id);
    expect(node).toBeDefined();
    expect((await driver.get(node!.name)).id).toBe(id);
    expect(node!.nics.length).toBeGreaterThan(0);
    expect(node!.nics[0]!.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(node!.memoryMiB).toBeGreaterThan(0);
    expect(node!.cpu.count).toBeGreaterThan(0);
  });

  it('fails with BMCEMU_NODE_NOT_FOUND for an unknown node', async () => {
    const err = await driver.get('no-such-node-7f3a').catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.NodeNotFound)).toBe(true);
    const err2 = await driver.power('no-such-node-7f3a', 'On').catch((e: unknown) => e);
    expect(isBmcEmuError(err2, ErrorCode.NodeNotFound)).toBe(true);
  });

  it('starts powered off with no override', async () => {
    const n = await driver.get(id);
    expect(n.powerState).toBe('Off');
    expect(n.boot.enabled).toBe('Disabled');
  });

  it('sets a Continuous boot override and reads it back', async () => {
    const set = await driver.setBootOverride(id, { target: 'Pxe', enabled: 'Continuous' });
    expect(set).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    expect((await driver.get(id)).boot).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
  });

  it('powers on, emitting power events, and a Continuous override survives the boot', async () => {
    const events: NodeEvent[] = [];
    const off = driver.watch((e) => events.push(e));
    await driver.power(id, 'On');
    const n = await waitForPower(driver, id, 'On', timeout);
    off();
    expect(n.boot).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    expect(n.lastBoot?.target).toBe('Pxe');
    expect(events.some((e) => e.type === 'power' && e.nodeId === id)).toBe(true);
  });

  it('powering on an On node is a no-op', async () => {
    await driver.power(id, 'On');
    expect((await waitForPower(driver, id, 'On', timeout)).powerState).toBe('On');
  });

  it('a Once override applies to the next boot only, then reverts', async () => {
    await driver.setBootOverride(id, { target: 'Cd', enabled: 'Once' });
    expect((await driver.get(id)).boot).toMatchObject({ target: 'Cd', enabled: 'Once' });
    await driver.power(id, 'ForceRestart');
    const n = await waitForPower(driver, id, 'On', timeout);
    expect(n.lastBoot?.target).toBe('Cd');
    expect(n.boot.enabled).toBe('Disabled');
    await driver.power(id, 'ForceRestart');
    const n2 = await waitForPower(driver, id, 'On', timeout);
    expect(n2.lastBoot?.target).toBe('Hdd');
  });

  it('inserts and ejects a cdrom while running', async () => {
    await driver.insertMedia(id, 'Cd', { kind: 'path', path: fx.isoPath, image: 'http://example.invalid/a.iso' });
    const n = await driver.get(id);
    const cd = n.media.find((m) => m.slot === 'Cd')!;
    expect(cd.inserted).toBe(true);
    expect(cd.image).toBe('http://example.invalid/a.iso');
    const err = await driver.insertMedia(id, 'Cd', { kind: 'path', path: fx.isoPath }).catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.Conflict)).toBe(true);
    await driver.ejectMedia(id, 'Cd');
    expect((await driver.get(id)).media.find((m) => m.slot === 'Cd')!.inserted).toBe(false);
  });

  it('refuses media that does not exist with BMCEMU_MEDIA_ERROR', async () => {
    const err = await driver
      .insertMedia(id, 'Cd', { kind: 'path', path: '/nonexistent/bmc-emu.iso' })
      .catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.MediaError)).toBe(true);
  });

  it('forces off', async () => {
    await driver.power(id, 'ForceOff');
    expect((await waitForPower(driver, id, 'Off', timeout)).powerState).toBe('Off');
  });

  it('refuses a restart of a powered-off node with BMCEMU_CONFLICT', async () => {
    const err = await driver.power(id, 'ForceRestart').catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.Conflict)).toBe(true);
  });

  it('inserts and ejects a cdrom while stopped', async () => {
    await driver.insertMedia(id, 'Cd', { kind: 'path', path: fx.isoPath });
    expect((await driver.get(id)).media.find((m) => m.slot === 'Cd')!.inserted).toBe(true);
    await driver.ejectMedia(id, 'Cd');
    expect((await driver.get(id)).media.find((m) => m.slot === 'Cd')!.inserted).toBe(false);
  });

  it('stages BIOS settings and applies them at the next power-on', async () => {
    const before = await driver.getBios(id);
    const key = Object.keys(before.attributes)[0]!;
    const value = `${String(before.attributes[key])}-x`;
    await driver.setBiosPending(id, { [key]: value });
    expect((await driver.getBios(id)).attributes[key]).toBe(before.attributes[key]);
    expect((await driver.getBios(id)).pending[key]).toBe(value);
    await driver.power(id, 'On');
    await waitForPower(driver, id, 'On', timeout);
    const after = await driver.getBios(id);
    expect(after.attributes[key]).toBe(value);
    expect(after.pending).toEqual({});
    await driver.power(id, 'ForceOff');
    await waitForPower(driver, id, 'Off', timeout);
  });

  it('toggles secure boot on a UEFI node and applies it at boot', async () => {
    await driver.setBootOverride(id, { mode: 'UEFI', target: 'None', enabled: 'Disabled' });
    const sb = await driver.setSecureBoot(id, true);
    expect(sb.enabled).toBe(true);
    await driver.power(id, 'On');
    const n = await waitForPower(driver, id, 'On', timeout);
    expect(n.secureBoot.currentBoot).toBe(true);
    await driver.power(id, 'ForceOff');
    await waitForPower(driver, id, 'Off', timeout);
    await driver.setSecureBoot(id, false);
    expect((await driver.getSecureBoot(id)).enabled).toBe(false);
  });

  it.runIf(opts.gracefulShutdownWorks ?? true)('shuts down gracefully', async () => {
    await driver.power(id, 'On');
    await waitForPower(driver, id, 'On', timeout);
    await driver.power(id, 'GracefulShutdown');
    expect((await waitForPower(driver, id, 'Off', timeout)).powerState).toBe('Off');
  });

  it('rejects an unknown boot target with BMCEMU_INVALID_ARGUMENT', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately wrong input
    const err = await driver.setBootOverride(id, { target: 'Tape' as any }).catch((e: unknown) => e);
    expect(isBmcEmuError(err, ErrorCode.InvalidArgument)).toBe(true);
  });
}
