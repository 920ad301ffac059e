import { z } from 'zod';

/**
 * How one node (or every node of a role) boots from the boot HTTP server. Kernel/initrd are URLs or paths
 * relative to `http.root` (served under /files/). Every field is optional so node entries override role entries.
 */
export const httpBootProfile = z
  .object({
    /** Role name (bootstrap, master, worker, ...): picks the role profile and the role's ignition file. */
    role: z.string().optional(),
    kernel: z.string().optional(),
    initrd: z.array(z.string()).optional(),
    /** Extra kernel arguments, appended as given. */
    args: z.array(z.string()).optional(),
    /** coreos.inst.install_dev */
    installDev: z.string().optional(),
    /** coreos.live.rootfs_url (URL or path under root). */
    rootfs: z.string().optional(),
    /** live: ignition.config.url (+ firstboot); install: coreos.inst.ignition_url; none: no ignition args. */
    ignition: z.enum(['none', 'live', 'install']).optional(),
    /** An iPXE script template file (in templatesDir) used instead of the built-in script. */
    template: z.string().optional(),
  })
  .strict();

/** POST /introspection: who may report, and how much is kept. */
export const introspectionSection = z
  .object({
    /** Store reports whose MACs no node has (and no `nodes:` entry names). Default: refuse with 404. */
    acceptUnknown: z.boolean().default(false),
    /** When set, POST /introspection and GET /introspection/<mac> need `Authorization: Bearer <token>`. */
    token: z.string().min(1).optional(),
    /** Most reports kept (oldest dropped first). */
    maxReports: z.number().int().min(1).default(1024),
    /** Most bytes of reports kept, all together (oldest dropped first). */
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024 * 1024),
  })
  .strict();

export const httpSection = z
  .object({
    enabled: z.boolean().default(false),
    port: z.number().int().min(1).max(65535).default(8080),
    /** Folder of static boot assets (kernels, initrds, rootfs, ISOs). */
    root: z.string().default('www'),
    /** Folder of ignition files per role/host. */
    ignitionDir: z.string().optional(),
    /** Base URL clients use to reach this server; defaults to http://<bind>:<port>. */
    publicUrl: z.string().optional(),
    cacheDir: z.string().optional(),
    /** iPXE binaries served under /ipxe/ (UEFI HTTP boot). */
    ipxeDir: z.string().default('/usr/lib/ipxe'),
    /** Folder of iPXE script templates named by `template`. */
    templatesDir: z.string().optional(),
    /** Role used by nodes that name none. */
    defaultRole: z.string().optional(),
    /** Boot profile per role name. */
    roles: z.record(z.string(), httpBootProfile).default({}),
    /** Boot profile per node, keyed by MAC, UUID or node name. */
    nodes: z.record(z.string(), httpBootProfile).default({}),
    introspection: introspectionSection.prefault({}),
    /** Send file bodies with sendfile(2) (needs the native addon; TLS never does); false: always stream. */
    sendfile: z.boolean().default(true),
  })
  .strict();

/** The `http:` section after parsing (every default applied). */
export type HttpSection = z.output<typeof httpSection>;
export type IntrospectionSection = z.output<typeof introspectionSection>;
