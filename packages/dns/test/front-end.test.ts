import { configFromEnv, type HostName, MemoryDriver, NameRegistry, silentLogger, validateConfig } from '@bmc-emu/core';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config-schema.js';
import { frontEnds } from '../../../src/frontends.js';
import { dnsFrontEnd, type DnsServer } from '../src/index.js';

/** What serve hands the DNS front end for a config (through its frontends.ts entry, as serve does). */
const ctx = (dns: Record<string, unknown> | undefined, names?: NameRegistry, dhcp: Record<string, unknown> = {}) => {
  const config = validateConfig(configSchema, { ...(dns ? { dns } : {}), dhcp });
  const entry = frontEnds.find((e) => e.name === 'dns')!;
  const { bind, user, password, stateDir } = config;
  return {
    init: (entry.initOf ? entry.initOf(config) : config.dns) as Parameters<typeof dnsFrontEnd>[0]['init'],
    shared: { bind, user, password, stateDir },
    components: { driver: new MemoryDriver(), logger: silentLogger(), ...(names ? { names } : {}) },
  };
};

describe('dnsFrontEnd', () => {
  it('is undefined unless dns.enabled (off by default, like DHCP)', () => {
    expect(dnsFrontEnd(ctx(undefined))).toBeUndefined();
    expect(dnsFrontEnd(ctx({ enabled: false, zones: ['lab.test'] }))).toBeUndefined();
  });

  it('checks the whole section with the config, naming the bad key', () => {
    expect(() => dnsFrontEnd(ctx({ enabled: true, recods: [] }))).toThrow(
      expect.objectContaining({ code: 'BMCEMU_CONFIG_INVALID', message: expect.stringMatching(/"dns\.recods"/) }),
    );
    expect(() => dnsFrontEnd(ctx({ enabled: true, records: [{ type: 'MX', name: 'a.test' }] }))).toThrow(
      /dns\.records\.0/,
    );
  });

  it('BMCEMU_DNS_ENABLED reaches the section', () => {
    expect(configFromEnv({ BMCEMU_DNS_ENABLED: 'true', BMCEMU_DNS_PORT: '5300' }, configSchema).values).toEqual({
      dns: { enabled: true, port: 5300 },
    });
  });

  it('serves names the registry holds in dhcp.domain, and sees a change at once', async () => {
    let hosts: HostName[] = [{ name: 'worker-0', address: '172.30.0.100', origin: 'dhcp-lease' }];
    const source = { version: 1, hosts: () => hosts };
    const names = new NameRegistry();
    names.register(source);
    const fe = dnsFrontEnd(
      ctx({ enabled: true, port: 0, listen: ['127.0.0.1'], zones: ['lab.test'] }, names, { domain: 'lab.test' }),
    ) as ReturnType<typeof dnsFrontEnd> & { server: () => DnsServer | undefined };
    const lines = await fe!.start();
    try {
      expect(lines[0]).toMatch(
        /^dns udp\+tcp 127\.0\.0\.1:\d+ \(zones lab\.test; no upstreams: other names REFUSED\)$/,
      );
      const auth = () => fe.server()!.authority();
      expect(auth().lookup('worker-0.lab.test', 'A')?.answers[0]?.data).toBe('172.30.0.100');
      hosts = [{ name: 'worker-0', address: '172.30.0.101', origin: 'dhcp-lease' }];
      source.version = 2;
      expect(auth().lookup('worker-0.lab.test', 'A')?.answers[0]?.data).toBe('172.30.0.101');
    } finally {
      await fe!.stop();
    }
  });

  it('refuses itself as an upstream (a forwarding loop)', async () => {
    const fe = dnsFrontEnd(ctx({ enabled: true, port: 5399, listen: ['127.0.0.1'], upstreams: ['127.0.0.1:5399'] }));
    await expect(fe!.start()).rejects.toMatchObject({
      code: 'BMCEMU_INVALID_ARGUMENT',
      message: expect.stringMatching(/loop/),
    });
  });

  it('an interface without an address fails at start with a typed error', async () => {
    const fe = dnsFrontEnd(ctx({ enabled: true, port: 0, interfaces: ['nonexistent0'], zones: ['lab.test'] }));
    await expect(fe!.start()).rejects.toMatchObject({
      code: 'BMCEMU_INVALID_ARGUMENT',
      message: expect.stringMatching(/nonexistent0/),
    });
  });
});
