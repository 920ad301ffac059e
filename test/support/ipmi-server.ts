import type { NodeDriver } from '@bmc-emu/core';
import { IpmiServer, type IpmiServerOptions } from '@bmc-emu/ipmi';

/**
 * The IPMI server most tests talk to: ephemeral ports on 127.0.0.1, admin/password, and a short delay after a
 * failed login so tests that try bad passwords stay quick. `extra` adds or overrides options.
 */
export function testIpmiServer(driver: NodeDriver, extra: Partial<IpmiServerOptions> = {}): IpmiServer {
  return new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'password', failureDelayMs: 10, ...extra });
}
