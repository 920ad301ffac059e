import { configSchema, MemoryDriver, silentLogger } from '@bmc-emu/core';
import { describe, expect, it } from 'vitest';
import { dhcpFrontEnd } from '../src/index.js';

const ctx = (dhcp: Record<string, unknown>) => ({
  config: configSchema.parse({ dhcp }),
  driver: new MemoryDriver(),
  logger: silentLogger(),
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
});
