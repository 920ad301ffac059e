import { MemoryDriver, sharedSettings, silentLogger } from '@bmc-emu/core';
import { describe, expect, it } from 'vitest';
import { dhcpFrontEnd, dhcpSection } from './internals.js';

const ctx = (dhcp: Record<string, unknown>) => ({
  init: dhcpSection.parse(dhcp),
  shared: sharedSettings(),
  components: { driver: new MemoryDriver(), logger: silentLogger() },
});

describe('dhcpFrontEnd', () => {
  it('is undefined unless dhcp.enabled', () => {
    expect(dhcpFrontEnd(ctx({}))).toBeUndefined();
    expect(dhcpFrontEnd(ctx({ enabled: false, subnet: '172.30.0.0/24' }))).toBeUndefined();
  });

  it('builds a named front end; a bad config fails at start with a typed error, not at import', async () => {
    const fe = dhcpFrontEnd(ctx({ enabled: true, mode: 'server', serverAddress: '172.30.0.1' }));
    expect(fe?.name).toBe('dhcp');
    await expect(fe!.start()).rejects.toMatchObject({
      code: 'BMCEMU_INVALID_ARGUMENT',
      message: expect.stringMatching(/subnet/),
    });
  });

  it('passes `subnets` from the YAML section beside the flat first subnet', () => {
    const dhcp = {
      enabled: true,
      subnet: '172.30.0.0/24',
      rangeStart: '172.30.0.100',
      rangeEnd: '172.30.0.199',
      subnets: [
        {
          subnet: '172.31.0.0/24',
          rangeStart: '172.31.0.100',
          rangeEnd: '172.31.0.149',
          router: '172.31.0.1',
          leaseTimeSec: 300,
          reservations: [{ mac: '52:54:00:aa:bb:01', ip: '172.31.0.10', hostname: 'far-0' }],
        },
      ],
    };
    const fe = dhcpFrontEnd(ctx(dhcp)) as unknown as { server: { opts: Record<string, unknown> } };
    expect(fe.server.opts).toMatchObject({
      subnet: '172.30.0.0/24',
      subnets: [
        {
          subnet: '172.31.0.0/24',
          rangeStart: '172.31.0.100',
          router: '172.31.0.1',
          leaseTimeSec: 300,
          dns: [],
          reservations: [{ mac: '52:54:00:aa:bb:01', ip: '172.31.0.10', hostname: 'far-0', pxe: true }],
        },
      ],
    });
    expect(() => dhcpSection.parse({ subnets: [{ subnet: '10.0.0.0/8', typo: 1 }] })).toThrow();
    expect(() => dhcpSection.parse({ subnets: [{ rangeStart: '10.0.0.1' }] })).toThrow();
  });
});
