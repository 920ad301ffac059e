import { httpSection } from '@bmc-emu/boot-http';
import { consoleSection } from '@bmc-emu/console';
import { composeConfigSchema } from '@bmc-emu/core';
import { dhcpSection } from '@bmc-emu/dhcp';
import { dnsSection } from '@bmc-emu/dns';
import { ipmiSection } from '@bmc-emu/ipmi';
import { metricsSection } from '@bmc-emu/metrics';
import { redfishSection } from '@bmc-emu/redfish';
import { tftpSection } from '@bmc-emu/tftp';

/** The one schema YAML, BMCEMU_* env vars and flags feed: core's top-level keys and each package's section. */
export const configSchema = composeConfigSchema({
  redfish: redfishSection,
  ipmi: ipmiSection,
  dhcp: dhcpSection,
  tftp: tftpSection,
  http: httpSection,
  dns: dnsSection,
  console: consoleSection,
  metrics: metricsSection,
});

export type Config = ReturnType<typeof configSchema.parse>;
