import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, MemoryDriver } from '@bmc-emu/core';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../packages/ipmi/test/support/peers.js';
import { command, requirePeers } from './support/peers.js';

const gate = requirePeers('ipmi SOL', [command('ipmitool'), command('expect')]);

gate.describe('ipmitool sol activate against the node console', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];
  let dir: string;

  beforeAll(async () => {
    driver = new MemoryDriver({ nodes: demoNodes(1) });
    server = new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'password' });
    eps = await server.start();
    dir = await mkdtemp(join(tmpdir(), 'ipmi-sol-'));
  });
  afterAll(async () => {
    await server?.stop();
    await driver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const suite of ['17', '3']) {
    it(`-C ${suite}: banner arrives, typed input reaches the console, ~. deactivates`, async () => {
      const script = join(dir, `sol-${suite}.exp`);
      await writeFile(
        script,
        `set timeout 8
spawn ipmitool -I lanplus -C ${suite} -H 127.0.0.1 -p ${eps[0]!.port} -U admin -P password sol activate
expect {
  "login:" {}
  timeout { puts "\\nFAIL-BANNER"; exit 2 }
}
send "typed-${suite}-abc\\r"
expect {
  "received: typed-${suite}-abc" { puts "\\nPASS-ECHO" }
  timeout { puts "\\nFAIL-ECHO"; exit 3 }
}
send "~."
expect {
  eof {}
  timeout { exit 4 }
}
`,
      );
      const r = await run('expect', [script], 30_000);
      expect(r.stdout).toContain('bmc-emu memory console for node-0');
      expect(r.stdout).toContain('PASS-ECHO');
      expect(r.code, r.stdout).toBe(0);
      // the payload was deactivated: a second activation works at once
      const again = await run('expect', [script], 30_000);
      expect(again.stdout).toContain('PASS-ECHO');
    });
  }
});
