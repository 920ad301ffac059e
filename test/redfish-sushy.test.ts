/** python3-sushy (the library inside Ironic) against our Redfish service over verified TLS. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, IPXE_ISO, run, startHarness } from '../packages/redfish/test/harness.js';
import { DEBIAN_PYTHON, fileExists, pythonModule, requirePeers } from './support/peers.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_exercise.py', import.meta.url));
const gate = requirePeers('redfish sushy', [pythonModule('sushy'), fileExists(IPXE_ISO, 'ipxe')]);

gate.describe('sushy drives every resource', () => {
  let h: Harness;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sushy's JSON report
  let out: any;
  const events: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ insertWaitMs: 300, slowMs: 1500 });
    h.driver.watch((e) => {
      if (e.type === 'media' && e.node?.media[0]?.inserted) events.push(`inserted ${e.node.media[0].image}`);
    });
    const r = await run(DEBIAN_PYTHON, [
      SCRIPT,
      h.url,
      'admin',
      'password',
      h.node.id,
      `${h.images.url}/ipxe.iso`,
      h.caFile,
    ]);
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-2000)}`);
    out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('verifies our CA, logs in with a session and reads the service root', () => {
    expect(out.session_token).toBe(true);
    expect(out.root.product).toBe('bmc-emu');
    expect(out.systems).toHaveLength(2);
  });

  it('reads inventory the way Ironic inspection does', () => {
    expect(out.system.uuid).toBe(h.node.id);
    expect(out.system.memory_gib).toBe(4);
    expect(out.system.cpus).toEqual([2, 'ProcessorArchitecture.X86']);
    expect(Object.keys(out.system.macs)).toEqual([h.node.nics[0]!.mac]);
    expect(out.system.disk_sizes).toEqual([20 * 1024 ** 3]);
    expect(out.system.managers).toEqual([h.node.id]);
    expect(out.system.reset_allowed).toContain('ResetType.FORCE_OFF');
    expect(out.system.boot_allowed).toContain('BootSource.UEFI_HTTP');
  });

  it('power on/off moves through the transition states and settles', async () => {
    expect(out.power).toEqual(['PowerState.OFF', 'PowerState.ON', 'PowerState.POWERING_OFF', 'PowerState.POWERING_ON']);
    expect((await h.driver.get(h.node.id)).powerState).toBe('Off');
  });

  it('boot override Once then Continuous (PATCH with If-Match) reaches the node', async () => {
    expect(out.boot_once).toEqual(['BootSource.PXE', 'BootSourceOverrideEnabled.ONCE']);
    expect(out.boot_continuous).toEqual([
      'BootSource.HDD',
      'BootSourceOverrideEnabled.CONTINUOUS',
      'BootSourceOverrideMode.UEFI',
    ]);
    const boot = await h.driver.getBootOverride(h.node.id);
    expect(boot).toMatchObject({ target: 'Hdd', enabled: 'Continuous', mode: 'UEFI' });
  });

  it('virtual media insert (through the image cache) and eject', async () => {
    expect(out.vmedia.error).toBeUndefined();
    expect(out.vmedia.after_insert).toEqual([`${h.images.url}/ipxe.iso`, true]);
    expect(out.vmedia.after_eject).toEqual([null, false]);
    expect(events).toEqual([`inserted ${h.images.url}/ipxe.iso`, `inserted ${h.images.url}/slow.iso`]);
    expect(h.images.hits.get('/ipxe.iso')).toBe(1);
  });

  it('a slow insert answers at once (202 + task) and the media shows up when the download ends', () => {
    expect(out.vmedia_slow.error).toBeUndefined();
    expect(out.vmedia_slow.returned_after_s).toBeLessThan(1.4);
    expect(out.vmedia_slow.inserted_at_return).toBe(false);
    expect(out.vmedia_slow.inserted_later).toBe(true);
    expect(out.vmedia_slow.image).toBe(`${h.images.url}/slow.iso`);
  });

  it('BIOS settings are staged (apply at reset) and secure boot toggles', async () => {
    expect(out.bios).toEqual({ before: 'Enabled', pending: 'Disabled', apply_times: ['ApplyTime.ON_RESET'] });
    expect((await h.driver.getBios(h.node.id)).pending).toEqual({ ProcTurboMode: 'Disabled' });
    expect(out.secure_boot).toEqual({ enabled: true, current: 'SecureBootCurrentBoot.DISABLED' });
    expect((await h.driver.getSecureBoot(h.node.id)).enabled).toBe(true);
  });

  it('Basic auth alone works, and an expired session is replaced transparently', () => {
    expect(out.basic).toMatch(/^PowerState\./);
    expect(out.reauth.dropped).toBeGreaterThanOrEqual(1);
    expect(out.reauth.power_after).toMatch(/^PowerState\./);
  });

  it('a bogus reset type is refused by sushy before it reaches us', () => {
    expect(out.bad_reset).toBe('InvalidParameterValueError');
  });
});
