/**
 * The Manager's EthernetInterface over HTTP with real clients (python3-sushy following the Manager's
 * `EthernetInterfaces` link, redfishtool) against a real `bmc-emu serve` over TLS, next to what
 * `ipmitool lan6 print 1` / `lan print 1` report for the same BMC: an IPv4 BMC has no IPv6 address on either
 * side; a BMC moved to ::1 (`bmc-emu bmc add|set --address`, applied live) shows ::1/128 on both, and moving
 * it back empties both. `lan6 set ... static_addr` is refused (read-only) and changes neither.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ipmitoolArgs, run } from '../packages/ipmi/test/support/peers.js';
import { command, DEBIAN_PYTHON, pythonModule, requirePeers } from './support/peers.js';
import { freeUdpRange, type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/redfish/sushy_manager_nics.py', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('Manager EthernetInterface IPv6 (sushy, redfishtool, ipmitool lan6)', [
  pythonModule('sushy'),
  command('redfishtool'),
  command('ipmitool'),
  command('curl'),
]);

interface Nic {
  mac: string;
  health: string;
  ipv4: Array<{ Address: string }>;
  ipv6: Array<{ Address: string; PrefixLength: number; AddressOrigin: string; AddressState: string }>;
  ipv6_static: Array<{ Address: string; PrefixLength: number }>;
}
type SushyNics = Record<string, { summary: Record<string, string>; interfaces: Nic[] }>;

/** `ipmitool lan6 print 1`'s Static Address 0 block and its addressing enables. */
function parseLan6(out: string) {
  const block = /IPv6 Static Address 0:\s+Enabled:\s+(\w+)\s+Address:\s+(\S+)\/(\d+)\s+Status:\s+(\w+)/.exec(out);
  expect(block, out).not.toBeNull();
  return {
    enables: /IPv6\/IPv4 Addressing Enables: (\S+)/.exec(out)?.[1],
    enabled: block![1] === 'yes',
    address: block![2]!,
    prefixLength: Number(block![3]),
    status: block![4],
  };
}

gate.describe('Manager EthernetInterface IPv6Addresses over HTTP, as ipmitool lan6 reports them', () => {
  let serve: ServeProcess;
  let stateDir: string;
  let port = 0;
  const ids: Record<string, string> = {};

  const url = () => `https://127.0.0.1:${serve.redfishPort}/redfish/v1`;
  const ca = () => join(stateDir, 'tls', 'ca.crt');
  const bmc = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'bmc', ...args, '--state-dir', stateDir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/applied to the running server/);
  };
  const sushy = async (): Promise<SushyNics> => {
    // requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override sushy's `verify=`: run the script without them
    const r = await run(
      'env',
      ['-u', 'REQUESTS_CA_BUNDLE', '-u', 'CURL_CA_BUNDLE', DEBIAN_PYTHON, SCRIPT, url(), 'admin', 'password', ca()],
      60_000,
    );
    if (r.code !== 0) throw new Error(`sushy script failed (${r.code}): ${r.stderr.slice(-1500)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as SushyNics;
  };
  const redfishtool = async (id: string) => {
    const r = await run('env', [
      ...['-u', 'REQUESTS_CA_BUNDLE', '-u', 'CURL_CA_BUNDLE', 'redfishtool'],
      ...['-r', `127.0.0.1:${serve.redfishPort}`, '-u', 'admin', '-p', 'password', '-S', 'Always'],
      ...['Managers', '-I', id, 'EthernetInterfaces', '-i', '1'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { MACAddress: string; IPv6Addresses: Nic['ipv6'] };
  };
  const ipmitool = (host: string, p: number, ...args: string[]) =>
    run('ipmitool', [...ipmitoolArgs('lanplus17', p).map((a) => (a === '127.0.0.1' ? host : a)), ...args]);
  const lan6 = async (host: string, p: number) => {
    const r = await ipmitool(host, p, 'lan6', 'print', '1');
    expect(r.code, r.stderr).toBe(0);
    return parseLan6(r.stdout);
  };

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-rf-ipv6-');
    serve = await startServe({ nodes: 2, stateDir });
    for (const name of ['node-0', 'node-1']) {
      const loc = await run('curl', [
        ...['-s', '--cacert', ca(), '-u', 'admin:password', '-o', '/dev/null', '-w', '%{redirect_url}'],
        `${url()}/Systems/${name}`,
      ]);
      ids[name] = loc.stdout.split('/').pop()!;
      expect(ids[name]).toMatch(/^[0-9a-f-]{36}$/);
    }
    port = await freeUdpRange(1);
    bmc('add', 'node-1', '--port', String(port), '--address', '::1');
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
  });

  it('a BMC on ::1: sushy and redfishtool show ::1/128, the Static Address 0 ipmitool lan6 print 1 reports', async () => {
    const ipmi = await lan6('::1', port);
    expect(ipmi).toMatchObject({ enables: 'ipv6', enabled: true, address: '::1', prefixLength: 128, status: 'active' });
    const seen = (await sushy())[ids['node-1']!]!;
    expect(seen.interfaces).toHaveLength(1);
    const nic = seen.interfaces[0]!;
    expect(nic.ipv6).toEqual([
      { Address: ipmi.address, PrefixLength: ipmi.prefixLength, AddressOrigin: 'Static', AddressState: 'Preferred' },
    ]);
    expect(nic.ipv6_static).toEqual([{ Address: ipmi.address, PrefixLength: ipmi.prefixLength }]);
    // an IPv6-only BMC has no IPv4 address: lan print 1 says 0.0.0.0 as Redfish does
    const lan = await ipmitool('::1', port, 'lan', 'print', '1');
    expect(lan.stdout).toContain(`MAC Address             : ${nic.mac}`);
    expect(lan.stdout).toContain(`IP Address              : ${nic.ipv4[0]!.Address}`);
    expect(nic.ipv4[0]!.Address).toBe('0.0.0.0');
    // counted by sushy as a usable MAC (Health OK, Enabled)
    expect(seen.summary).toEqual({ [nic.mac]: 'State.ENABLED' });
    const rt = await redfishtool(ids['node-1']!);
    expect(rt.MACAddress).toBe(nic.mac);
    expect(rt.IPv6Addresses).toEqual(nic.ipv6);
  });

  it('a BMC on 127.0.0.1: no IPv6 address on either side', async () => {
    const ipmi = await lan6('127.0.0.1', serve.ipmiBasePort);
    expect(ipmi).toMatchObject({ enables: 'ipv4', enabled: false, status: 'disabled' });
    const nic = (await sushy())[ids['node-0']!]!.interfaces[0]!;
    expect(nic.ipv6).toEqual([]);
    expect(nic.ipv6_static).toEqual([]);
    expect(nic.ipv4[0]!.Address).toBe('127.0.0.1');
    expect((await redfishtool(ids['node-0']!)).IPv6Addresses).toEqual([]);
  });

  it('lan6 set static_addr is refused as read-only and changes neither side', async () => {
    const r = await ipmitool(
      '::1',
      port,
      'lan6',
      'set',
      '1',
      'nolock',
      'static_addr',
      '0',
      'enable',
      '2001:db8::5',
      '64',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Parameter is read-only/);
    expect((await lan6('::1', port)).address).toBe('::1');
    expect((await sushy())[ids['node-1']!]!.interfaces[0]!.ipv6.map((a) => a.Address)).toEqual(['::1']);
  });

  it('moving the BMC to 127.0.0.1 and back (bmc set --address, live) changes both sides together', async () => {
    bmc('set', 'node-1', '--address', '127.0.0.1');
    expect(await lan6('127.0.0.1', port)).toMatchObject({ enables: 'ipv4', enabled: false });
    const v4 = (await sushy())[ids['node-1']!]!.interfaces[0]!;
    expect(v4.ipv6).toEqual([]);
    expect(v4.ipv4[0]!.Address).toBe('127.0.0.1');
    bmc('set', 'node-1', '--address', '::1');
    expect(await lan6('::1', port)).toMatchObject({ enabled: true, address: '::1', prefixLength: 128 });
    expect((await redfishtool(ids['node-1']!)).IPv6Addresses.map((a) => `${a.Address}/${a.PrefixLength}`)).toEqual([
      '::1/128',
    ]);
  });
});
