/**
 * A real TCG VM behind the IPMI front end: ipmitool sets PXE boot and powers the domain on, then
 * `sol activate` shows the VM's serial console (SeaBIOS -> iPXE) and typed input reaches the VM
 * (Ctrl-B opens the iPXE shell; `echo typed-${platform}` comes back expanded by the VM as `typed-pcbios`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NodeDriver, waitForPower } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { createLibvirtDriver } from '@bmc-emu/libvirt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitool, run } from '../packages/ipmi/test/support/peers.js';
import {
  defineTestDomain,
  type Libvirtd,
  libvirtPeers,
  startLibvirtd,
  type TestDomain,
  LIBVIRTD_SETUP_MS,
} from './support/libvirtd.js';
import { command, requirePeers } from './support/peers.js';

const tools = requirePeers('ipmitool + expect', [command('ipmitool'), command('expect')]);
const gate = libvirtPeers.ok ? tools : libvirtPeers;

gate.describe('ipmitool against a libvirt VM: bootdev, power, SOL', () => {
  let lv: Libvirtd | undefined;
  let dom: TestDomain | undefined;
  let driver: NodeDriver | undefined;
  let server: IpmiServer | undefined;
  let ep: EndpointInfo;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipmi-lv-sol-'));
    lv = await startLibvirtd();
    dom = defineTestDomain('ipmi-sol');
    driver = await createLibvirtDriver({ uris: [lv.uri], pollIntervalMs: 1_000 });
    server = new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'password' });
    const eps = await server.start();
    ep = eps.find((e) => e.nodeId === dom!.uuid)!;
  }, LIBVIRTD_SETUP_MS);
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
    dom?.remove();
    await lv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('boots the VM from PXE on ipmitool commands and relays its serial console both ways', async () => {
    const ok = async (cmd: string) => {
      const r = await ipmitool('lanplus17', ep.port, cmd);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    expect(await ok('chassis power status')).toContain('off');
    await ok('chassis bootdev pxe options=persistent');
    expect(await driver!.getBootOverride(ep.nodeId)).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    expect(await ok('chassis bootparam get 5')).toContain('Boot parameter data: c004000000');
    // while the domain is off there is no console: Activate Payload answers "not in present state"
    const early = await ipmitool('lanplus17', ep.port, 'raw 0x06 0x48 0x01 0x01 0xc6 0x00 0x00 0x00');
    expect(early.stderr).toMatch(/rsp=0xd5/);
    const t0 = Date.now();
    await ok('chassis power on');
    expect(Date.now() - t0).toBeLessThan(5_000);
    await waitForPower(driver!, ep.nodeId, 'On', 30_000);
    const script = join(dir, 'sol.exp');
    await writeFile(
      script,
      `set timeout 90
spawn ipmitool -I lanplus -C 17 -H 127.0.0.1 -p ${ep.port} -U admin -P password sol activate
expect {
  "Ctrl-B" { send "\\x02" }
  timeout { puts "\\nFAIL-NO-IPXE"; exit 2 }
}
expect {
  "iPXE>" {}
  timeout { puts "\\nFAIL-NO-PROMPT"; exit 3 }
}
# one character at a time: a TCG guest's 16-byte UART FIFO drops a burst when the host is busy
set send_slow {1 .05}
send -s "echo typed-\\\${platform}\\r"
expect {
  "typed-pcbios" { puts "\\nPASS-TYPED" }
  timeout { puts "\\nFAIL-NO-ECHO"; exit 4 }
}
exec ipmitool -I lanplus -C 17 -H 127.0.0.1 -p ${ep.port} -U admin -P password chassis power off
sleep 3
set st [exec ipmitool -I lanplus -C 17 -H 127.0.0.1 -p ${ep.port} -U admin -P password raw 0x06 0x4a 0x01]
puts "\\nPAYLOAD-STATUS:$st"
send "~."
expect {
  eof {}
  timeout { exit 5 }
}
`,
    );
    const r = await run('expect', [script], 150_000);
    expect(r.stdout, r.stdout.slice(-2000)).toContain('PASS-TYPED');
    // powering the VM off (over IPMI, from another client) ends the SOL payload (the console is gone;
    // ipmitool gets a "deactivating" SOL status and the payload reads inactive)
    expect(r.stdout, r.stdout.slice(-2000)).toMatch(/PAYLOAD-STATUS:\s*01 00 00/);
    expect(r.code).toBe(0);
    expect((await driver!.get(ep.nodeId)).lastBoot?.target).toBe('Pxe');
    await waitForPower(driver!, ep.nodeId, 'Off', 30_000);
  }, 240_000);
});
