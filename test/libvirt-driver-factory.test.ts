import { ErrorCode, isBmcEmuError, silentLogger } from '@bmc-emu/core';
import { configSchema } from '../src/config-schema.js';
import { describe, expect, it } from 'vitest';
import { createDriver } from '../src/driver-factory.js';

const DEAD = 'qemu:///system?socket=/nonexistent/bmc-emu-factory-sock';
const config = (driver: Record<string, unknown>) => configSchema.parse({ driver });

describe('driver factory: libvirt wiring', () => {
  it('kind libvirt serves the domains of the given URIs', async () => {
    const { driver, description } = await createDriver(
      config({ kind: 'libvirt', libvirtUris: ['test:///default'] }),
      silentLogger(),
    );
    try {
      expect(driver.name).toBe('libvirt');
      expect(description).toBe('libvirt driver on test:///default');
      expect((await driver.list()).map((n) => n.name)).toEqual(['test']);
    } finally {
      await driver.close();
    }
  });

  it('kind libvirt fails with BMCEMU_DRIVER_UNAVAILABLE when no URI answers', async () => {
    const err = await createDriver(config({ kind: 'libvirt', libvirtUris: [DEAD] }), silentLogger()).catch(
      (e: unknown) => e,
    );
    expect(isBmcEmuError(err, ErrorCode.DriverUnavailable)).toBe(true);
  });

  it('kind auto picks libvirt when a URI answers, memory with demo nodes when none does', async () => {
    const found = await createDriver(config({ kind: 'auto', libvirtUris: [DEAD, 'test:///default'] }), silentLogger());
    expect(found.driver.name).toBe('libvirt');
    await found.driver.close();
    const t0 = Date.now();
    const none = await createDriver(config({ kind: 'auto', libvirtUris: [DEAD], demoNodes: 2 }), silentLogger());
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(none.driver.name).toBe('memory');
    expect(none.description).toBe('memory driver with 2 demo node(s) (no libvirt found)');
    await none.driver.close();
  });
});
