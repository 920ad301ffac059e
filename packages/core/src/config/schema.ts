import { z } from 'zod';
import { errors } from '../errors.js';
import { hypervisorsList } from './hypervisors-section.js';
import { sensorsSection } from './sensors-section.js';

export const DEFAULT_USER = 'admin';
export const DEFAULT_PASSWORD = 'password';
export const DEFAULT_BIND = '127.0.0.1';

export const driverSection = z
  .object({
    /** auto: libvirt when `virsh` and a hypervisor answer, else memory with demo nodes. */
    kind: z.enum(['auto', 'memory', 'libvirt']).default('auto'),
    libvirtUris: z.array(z.string().min(1)).default(['qemu:///system']),
    /** Named libvirt hosts (`[{name, uri, ssh?, timeoutMs?}]`); when given, libvirtUris is not used. */
    hypervisors: hypervisorsList.optional(),
    demoNodes: z.number().int().min(0).max(10_000).default(3),
    /** How often the libvirt driver refreshes its cache when no events arrive (ms). */
    pollIntervalMs: z.number().int().min(100).max(600_000).default(2_000),
    /** all: every node (registered BMCs keep their own port/account); listed: only registered BMCs. */
    serve: z.enum(['all', 'listed']).default('all'),
  })
  .strict();

/** The top-level keys core owns; protocol packages add their sections with composeConfigSchema. */
export const baseConfigShape = {
  bind: z.string().min(1).default(DEFAULT_BIND),
  user: z.string().min(1).max(16).default(DEFAULT_USER),
  password: z.string().min(1).max(20).default(DEFAULT_PASSWORD),
  stateDir: z.string().min(1).default('.bmc-emu'),
  log: z
    .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
    .strict()
    .default({ level: 'info' }),
  driver: driverSection.prefault({}),
  /** The core sensor model both IPMI and Redfish show (faults, ambient); docs/sensors.md. */
  sensors: sensorsSection.prefault({}),
};

export const baseConfigSchema = z.object(baseConfigShape).strict();

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** A config section a package owns: a strict object whose every key has a default or is optional. */
export type ConfigSection = z.ZodObject;

type Composed<S extends Record<string, ConfigSection>> = typeof baseConfigShape & {
  [K in keyof S]: z.ZodPrefault<S[K]>;
};

/**
 * The one config schema: core's top-level keys plus each package's section under its key, e.g.
 * `composeConfigSchema({ redfish: redfishSection, ipmi: ipmiSection })`. A missing section gets its defaults.
 */
export function composeConfigSchema<S extends Record<string, ConfigSection>>(sections: S): z.ZodObject<Composed<S>> {
  const shape: Record<string, z.ZodType> = { ...baseConfigShape };
  for (const [key, section] of Object.entries(sections)) {
    if (key in baseConfigShape) throw errors.invalidArgument(`config section "${key}" would replace a top-level key`);
    shape[key] = section.prefault({});
  }
  return z.object(shape).strict() as unknown as z.ZodObject<Composed<S>>;
}

/** The top-level values every front end may need, handed over without the rest of the config. */
export type SharedSettings = Pick<BaseConfig, 'bind' | 'user' | 'password' | 'stateDir'>;

const sharedSettingsSchema = baseConfigSchema.pick({ bind: true, user: true, password: true, stateDir: true });

/** SharedSettings with core's defaults for whatever is not given (for library users and tests). */
export function sharedSettings(input: Partial<SharedSettings> = {}): SharedSettings {
  return sharedSettingsSchema.parse(input);
}
