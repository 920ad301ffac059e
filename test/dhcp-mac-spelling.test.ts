/**
 * Reservations written in the MAC spellings users paste (bare hex, dashes, Cisco dots, upper case) must match
 * the client: `bmc-emu serve` from a config file in a test-made namespace, real udhcpc on the client side.
 * (Issue #10: `mac: "525400000001"` passed the schema and silently never matched; the client got a pool address.)
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, sleep, topology, udhcpcOnce } from '../packages/dhcp/test/netns-harness.js';
import { command, requirePeers, root } from './support/peers.js';

const gate = requirePeers('dhcp reservations in every MAC spelling', [root(), command('udhcpc')]);

const SPELLINGS = [
  { written: '525400000001', mac: '52:54:00:00:00:01', ip: '172.30.0.11', hostname: 'bare-hex' },
  { written: '52-54-00-00-00-02', mac: '52:54:00:00:00:02', ip: '172.30.0.12', hostname: 'dashes' },
  { written: '5254.0000.0003', mac: '52:54:00:00:00:03', ip: '172.30.0.13', hostname: 'cisco-dots' },
  { written: '52:54:00:00:00:0A', mac: '52:54:00:00:00:0a', ip: '172.30.0.14', hostname: 'upper-case' },
];

gate.describe('bmc-emu serve: DHCP reservations match whatever MAC spelling the config uses', () => {
  let net: ReturnType<typeof topology>;
  let dir: string;
  let out = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-dhcp-mac-'));
    const reservations = SPELLINGS.map(
      (s) => `    - { mac: "${s.written}", ip: ${s.ip}, hostname: ${s.hostname} }`,
    ).join('\n');
    await writeFile(
      join(dir, 'config.yaml'),
      `stateDir: ${dir}/state
driver: { kind: memory, demoNodes: 0 }
redfish: { enabled: false }
ipmi: { enabled: false }
dhcp:
  enabled: true
  interface: br0
  subnet: 172.30.0.0/24
  rangeStart: 172.30.0.100
  rangeEnd: 172.30.0.120
  leaseTimeSec: 600
  reservations:
${reservations}
`,
    );
    await writeFile(
      join(dir, 'udhcpc.sh'),
      '#!/bin/sh\n[ "$1" = bound ] && echo "bound ip=$ip hostname=$hostname" >> "$LOG"\nexit 0\n',
    );
    await chmod(join(dir, 'udhcpc.sh'), 0o755);
    try {
      // the CLI runs from dist; `npm test` builds first, this keeps a lone run honest
      execFileSync('npx', ['tsc', '-b'], { cwd: REPO, stdio: 'ignore', timeout: 180_000 });
    } catch {
      // another package failing to build is not this test's business; a stale CLI will show below
    }
    net = topology();
    const proc = net.server.spawn(
      process.execPath,
      [join(REPO, 'bin/bmc-emu.js'), 'serve', '-c', join(dir, 'config.yaml')],
      {
        cwd: REPO,
      },
    );
    proc.stdout?.on('data', (d) => {
      out += d;
    });
    proc.stderr?.on('data', (d) => {
      out += d;
    });
    const until = Date.now() + 20_000;
    while (!/dhcp server/.test(out)) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`bmc-emu serve did not start DHCP:\n${out}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    net?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [i, s] of SPELLINGS.entries()) {
    it(`a reservation written "${s.written}" gives ${s.mac} its reserved ${s.ip}`, async () => {
      const ifc = net.addClientPort(`m${i}`, s.mac);
      const log = join(dir, `m${i}.log`);
      udhcpcOnce(net.client.name, ifc, join(dir, 'udhcpc.sh'), log);
      expect(await readFile(log, 'utf8')).toContain(`bound ip=${s.ip} hostname=${s.hostname}`);
    });
  }
});
