import { z } from 'zod';
import { consoleSection } from './console-section.js';
import { dhcpSection } from './dhcp-section.js';
import { httpSection } from './http-section.js';
import { ipmiSection } from './ipmi-section.js';
import { redfishSection } from './redfish-section.js';
import { tftpSection } from './tftp-section.js';

export const DEFAULT_USER = 'admin';
export const DEFAULT_PASSWORD = 'password';

export const driverSection = z
  .object({
    /** auto: libvirt when `virsh` and a hypervisor answer, else memory with demo nodes. */
    kind: z.enum(['auto', 'memory', 'libvirt']).default('auto'),
    libvirtUris: z.array(z.string().min(1)).default(['qemu:///system']),
    demoNodes: z.number().int().min(0).max(10_000).default(3),
    /** How often the libvirt driver refreshes its cache when no events arrive (ms). */
    pollIntervalMs: z.number().int().min(100).max(600_000).default(2_000),
  })
  .strict();

export const configSchema = z
  .object({
    bind: z.string().min(1).default('127.0.0.1'),
    user: z.string().min(1).max(16).default(DEFAULT_USER),
    password: z.string().min(1).max(20).default(DEFAULT_PASSWORD),
    stateDir: z.string().min(1).default('.bmc-emu'),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    driver: driverSection.default(driverSection.parse({})),
    redfish: redfishSection.default(redfishSection.parse({})),
    ipmi: ipmiSection.default(ipmiSection.parse({})),
    dhcp: dhcpSection.default(dhcpSection.parse({})),
    tftp: tftpSection.default(tftpSection.parse({})),
    http: httpSection.default(httpSection.parse({})),
    console: consoleSection.default(consoleSection.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
