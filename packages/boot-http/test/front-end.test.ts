import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoNodes, MemoryDriver, sharedSettings, silentLogger } from '@bmc-emu/core';
import { afterAll, describe, expect, it } from 'vitest';
import { bootHttpFrontEnd, httpSection } from '../src/index.js';

describe('bootHttpFrontEnd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-fe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const driver = new MemoryDriver({ nodes: demoNodes(2) });

  it('is undefined unless http.enabled', () => {
    const input = {
      init: httpSection.parse({}),
      shared: sharedSettings(),
      components: { driver, logger: silentLogger() },
    };
    expect(bootHttpFrontEnd(input)).toBeUndefined();
  });

  it('starts from config: roles, per-node entries and the default role', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const init = httpSection.parse({
      enabled: true,
      port,
      root: dir,
      defaultRole: 'worker',
      roles: { worker: { kernel: 'k', initrd: ['i'], installDev: '/dev/sda', ignition: 'install' } },
      nodes: { 'node-1': { args: ['nomodeset'] } },
    });
    const shared = sharedSettings({ stateDir: join(dir, 'state') });
    const fe = bootHttpFrontEnd({ init, shared, components: { driver, logger: silentLogger() } });
    expect(fe?.name).toBe('boot-http');
    const [line] = (await fe?.start()) ?? [];
    expect(line).toMatch(/^boot-http http:\/\/127\.0\.0\.1:\d+\/boot\.ipxe$/);
    const base = (line as string).slice('boot-http '.length).replace('/boot.ipxe', '');
    try {
      const s0 = await (await fetch(`${base}/boot/52-54-00-00-00-01.ipxe`)).text();
      expect(s0).toContain('coreos.inst.install_dev=/dev/sda');
      expect(s0).not.toContain('nomodeset');
      const s1 = await (await fetch(`${base}/boot/52-54-00-00-00-02.ipxe`)).text();
      expect(s1).toContain('coreos.inst.install_dev=/dev/sda');
      expect(s1).toContain('nomodeset');
    } finally {
      await fe?.stop();
    }
  });

  it('rejects unknown profile fields at config load (strict schema)', () => {
    expect(() => httpSection.parse({ roles: { worker: { kernal: 'typo' } } })).toThrow();
    expect(() => httpSection.parse({ nodes: { x: { ignition: 'sometimes' } } })).toThrow();
  });

  it('parses http.introspection: defaults, and the token/cap reach the server', async () => {
    expect(httpSection.parse({}).introspection).toEqual({
      acceptUnknown: false,
      maxReports: 1024,
      maxBytes: 256 * 1024 * 1024,
    });
    expect(() => httpSection.parse({ introspection: { acceptUnkown: true } })).toThrow();
    expect(() => httpSection.parse({ introspection: { maxReports: 0 } })).toThrow();
    const init = httpSection.parse({
      enabled: true,
      port: 1,
      root: dir,
      introspection: { token: 'tok', acceptUnknown: true },
    });
    init.port = 0; // a free port (config wants 1-65535)
    const fe = bootHttpFrontEnd({
      init,
      shared: sharedSettings({ stateDir: join(dir, 'state2') }),
      components: { driver, logger: silentLogger() },
    });
    const [line] = (await fe?.start()) ?? [];
    const base = (line as string).slice('boot-http '.length).replace('/boot.ipxe', '');
    try {
      const body = JSON.stringify({ mac: '02:00:00:00:00:09' });
      expect((await fetch(`${base}/introspection`, { method: 'POST', body })).status).toBe(401);
      const ok = await fetch(`${base}/introspection`, {
        method: 'POST',
        body,
        headers: { authorization: 'Bearer tok' },
      });
      expect(ok.status).toBe(404); // stored (acceptUnknown), no ignition configured
      const got = await fetch(`${base}/introspection/02-00-00-00-00-09`, { headers: { authorization: 'Bearer tok' } });
      expect(await got.json()).toEqual({ mac: '02:00:00:00:00:09' });
    } finally {
      await fe?.stop();
    }
  });
});
