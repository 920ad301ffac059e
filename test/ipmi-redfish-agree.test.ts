/** The Redfish and IPMI views of one node agree: what one sets, the other shows. */
import { waitForPower } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool } from '../packages/ipmi/test/support/peers.js';
import { basic, type Harness, startHarness } from '../packages/redfish/test/harness.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('ipmi + redfish agree', [command('ipmitool')]);

gate.describe('ipmitool and Redfish see the same node', () => {
  let h: Harness;
  let ipmi: IpmiServer;
  let ep: EndpointInfo;
  let system: string;

  beforeAll(async () => {
    h = await startHarness({ tls: false, nodes: 1 });
    ipmi = new IpmiServer({ driver: h.driver, basePort: 0, user: 'admin', password: 'password' });
    [ep] = (await ipmi.start()) as [EndpointInfo];
    system = `${h.url}/Systems/${h.node.id}`;
  }, 60_000);
  afterAll(async () => {
    await ipmi?.stop();
    await h?.close();
  });

  const rf = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(url, {
      method,
      headers: { authorization: basic(), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const ok = async (cmd: string) => {
    const r = await ipmitool('lanplus17', ep.port, cmd);
    expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  it('a bootdev set by ipmitool is what Redfish shows', async () => {
    await ok('chassis bootdev pxe options=persistent,efiboot');
    const s = await rf('GET', system);
    expect(s.body.Boot).toMatchObject({
      BootSourceOverrideTarget: 'Pxe',
      BootSourceOverrideEnabled: 'Continuous',
      BootSourceOverrideMode: 'UEFI',
    });
    await ok('raw 0x00 0x08 0x05 0xa0 0x08 0x00 0x00 0x00');
    expect((await rf('GET', system)).body.Boot).toMatchObject({
      BootSourceOverrideTarget: 'Hdd',
      BootSourceOverrideEnabled: 'Once',
    });
  });

  it('a boot override PATCHed over Redfish is what ipmitool reads', async () => {
    const p = await rf('PATCH', system, {
      Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' },
    });
    expect(p.status, JSON.stringify(p.body)).toBeLessThan(300);
    expect(await ok('chassis bootparam get 5')).toContain('Boot parameter data: a014000000');
    const q = await rf('PATCH', system, {
      Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' },
    });
    expect(q.status).toBeLessThan(300);
    expect(await ok('chassis bootparam get 5')).toContain('Boot parameter data: e004000000');
  });

  it('power changes agree both ways', async () => {
    await ok('chassis power on');
    await waitForPower(h.driver, ep.nodeId, 'On', 3000);
    expect((await rf('GET', system)).body.PowerState).toBe('On');
    const r = await rf('POST', `${system}/Actions/ComputerSystem.Reset`, { ResetType: 'ForceOff' });
    expect(r.status).toBeLessThan(300);
    await waitForPower(h.driver, ep.nodeId, 'Off', 3000);
    expect(await ok('chassis power status')).toContain('Chassis Power is off');
  });
});
