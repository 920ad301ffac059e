/** What `serve` hands one front end, built from a whole config (tests that think in YAML terms). */
import { type FrontEndInit, type NodeDriver, silentLogger } from '@bmc-emu/core';
import { type Config, configSchema } from '../../src/config-schema.js';

type SectionKey = 'redfish' | 'ipmi' | 'dhcp' | 'tftp' | 'http';

export function frontEndInput<K extends SectionKey>(
  input: Record<string, unknown>,
  section: K,
  driver: NodeDriver,
): FrontEndInit<Config[K]> {
  const config = configSchema.parse(input);
  const { bind, user, password, stateDir } = config;
  return {
    init: config[section],
    shared: { bind, user, password, stateDir },
    components: { driver, logger: silentLogger() },
  };
}
