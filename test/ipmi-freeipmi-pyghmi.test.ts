import { demoNodes, MemoryDriver, waitForPower } from '@bmc-emu/core';
import type { EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { testIpmiServer } from './support/ipmi-server.js';

const gate = requirePeers('ipmi freeipmi + pyghmi', [
  command('ipmipower', 'freeipmi-tools'),
  command('ipmi-chassis', 'freeipmi-tools'),
  command('bmc-info', 'freeipmi-tools'),
  command('ipmi-config', 'freeipmi-tools'),
  pythonModule('pyghmi'),
]);

gate.describe('freeipmi and pyghmi against IpmiServer', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];

  beforeAll(async () => {
    driver = new MemoryDriver({ nodes: demoNodes(3), transitionMs: 20 });
    server = testIpmiServer(driver);
    eps = await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
  });

  const fi = (port: number, ...extra: string[]) => [
    '-h',
    `127.0.0.1:${port}`,
    '-u',
    'admin',
    '-p',
    'password',
    ...extra,
  ];

  for (const suite of ['17', '3']) {
    it(`ipmipower -D LAN_2_0 -I ${suite}: --stat/--on/--off`, async () => {
      const ep = eps[0]!;
      const a = fi(ep.port, '-D', 'LAN_2_0', '-I', suite);
      expect((await run('ipmipower', [...a, '--stat'])).stdout).toContain('127.0.0.1: off');
      expect((await run('ipmipower', [...a, '--on'])).stdout).toContain('127.0.0.1: ok');
      await waitForPower(driver, ep.nodeId, 'On', 2000);
      expect((await run('ipmipower', [...a, '--stat'])).stdout).toContain('127.0.0.1: on');
      expect((await run('ipmipower', [...a, '--off'])).stdout).toContain('127.0.0.1: ok');
      await waitForPower(driver, ep.nodeId, 'Off', 2000);
      expect((await run('ipmipower', [...a, '--stat'])).stdout).toContain('127.0.0.1: off');
    });
  }

  it('ipmi-chassis status/control, ipmi-config boot flags, bmc-info device and GUID', async () => {
    const ep = eps[1]!;
    const a = fi(ep.port, '-D', 'LAN_2_0', '-I', '17');
    const st = await run('ipmi-chassis', [...a, '--get-chassis-status']);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/System Power\s+: off/);
    // freeipmi sets boot flags through ipmi-config (ipmi-chassis --set-boot-flags is its legacy path)
    const commit = await run('ipmi-config', [
      ...a,
      '--category=chassis',
      '--commit',
      '--key-pair=Chassis_Boot_Flags:Boot_Device=PXE',
      '--key-pair=Chassis_Boot_Flags:BIOS_Boot_Type=EFI',
      '--key-pair=Chassis_Boot_Flags:Boot_Flags_Persistent=Yes',
    ]);
    expect(commit.code, commit.stderr).toBe(0);
    expect(await driver.getBootOverride(ep.nodeId)).toMatchObject({
      target: 'Pxe',
      enabled: 'Continuous',
      mode: 'UEFI',
    });
    const checkout = await run('ipmi-config', [
      ...a,
      '--category=chassis',
      '--checkout',
      '--section=Chassis_Boot_Flags',
    ]);
    expect(checkout.stdout).toMatch(/Boot_Device\s+PXE/);
    expect(checkout.stdout).toMatch(/Boot_Flags_Persistent\s+Yes/);
    const flags = await run('ipmi-chassis', [...a, '--get-boot-flags']);
    expect(flags.stdout).toMatch(/Boot device selector\s+: Force PXE/);
    expect(flags.stdout).toMatch(/BIOS boot type\s+: Extensible firmware Interface boot/);
    const up = await run('ipmi-chassis', [...a, '--chassis-control=power-up']);
    expect(up.code, up.stderr).toBe(0);
    await waitForPower(driver, ep.nodeId, 'On', 2000);
    const info = await run('bmc-info', [...a]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/IPMI Version\s+: 2.0/);
    expect(info.stdout).toContain(`System GUID : ${ep.nodeId}`);
  });

  it('ipmipower -D LAN (IPMI 1.5, MD5)', async () => {
    const ep = eps[2]!;
    const r = await run('ipmipower', [...fi(ep.port, '-D', 'LAN', '-a', 'MD5'), '--stat']);
    expect(r.stdout).toContain('127.0.0.1: off');
  });

  it('pyghmi Command: power and bootdev', async () => {
    const ep = eps[2]!;
    const script = `
import json
from pyghmi.ipmi import command
c = command.Command(bmc='127.0.0.1', port=${ep.port}, userid='admin', password='password')
out = [c.get_power()]
out.append(c.set_power('on', wait=True))
out.append(c.get_power())
c.set_bootdev('network', persist=True, uefiboot=True)
out.append(c.get_bootdev())
c.set_bootdev('hd')
out.append(c.get_bootdev())
out.append(c.set_power('off', wait=True))
print(json.dumps(out))
`;
    const r = await run(DEBIAN_PYTHON, ['-c', script], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out[0]).toEqual({ powerstate: 'off' });
    expect(out[1]).toEqual({ powerstate: 'on' });
    expect(out[2]).toEqual({ powerstate: 'on' });
    expect(out[3]).toMatchObject({ bootdev: 'network', persistent: true, uefimode: true });
    expect(out[4]).toMatchObject({ bootdev: 'hd', persistent: false });
    expect(out[5]).toEqual({ powerstate: 'off' });
    expect((await driver.get(ep.nodeId)).powerState).toBe('Off');
  });
});
