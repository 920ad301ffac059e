import { z } from 'zod';
import { errors } from '../errors.js';

/** The parts of a libvirt URI bmc-emu looks at: `driver[+transport]://[user@]host[:port]/path[?params]`. */
export interface LibvirtUriParts {
  driver: string;
  /** ssh, libssh, libssh2, tcp, tls, unix, ext; '' when none is written (unix locally, tls with a host). */
  transport: string;
  host: string;
  params: Record<string, string>;
}

export function parseLibvirtUri(uri: string): LibvirtUriParts | undefined {
  const m =
    /^([a-z][a-z0-9]*)(?:\+([a-z0-9]+))?:\/\/(?:([^@/?]*)@)?(\[[^\]]*\]|[^/:?]*)(?::\d+)?(\/[^?]*)?(?:\?(.*))?$/i.exec(
      uri.trim(),
    );
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const kv of (m[6] ?? '').split('&')) {
    if (!kv) continue;
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    let value = eq < 0 ? '' : kv.slice(eq + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // libvirt keeps a bad escape as written; so do we
    }
    params[key.toLowerCase()] = value;
  }
  return { driver: m[1]!.toLowerCase(), transport: (m[2] ?? '').toLowerCase(), host: m[4] ?? '', params };
}

export const SSH_TRANSPORTS = ['ssh', 'libssh', 'libssh2'] as const;

export const hypervisorSsh = z
  .object({
    /** Private key for the ssh transports (libvirt's `keyfile=`). */
    keyFile: z.string().min(1).optional(),
    /** known_hosts file to check the host key against (libvirt's `known_hosts=`; libssh/libssh2 only). */
    knownHostsFile: z.string().min(1).optional(),
    /** false: accept any host key (libvirt's `no_verify=1` / `known_hosts_verify=ignore`). */
    verifyHostKey: z.boolean().default(true),
  })
  .strict();

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Virtual media on this hypervisor: copied into a libvirt storage pool when the host is remote. */
export const hypervisorMedia = z
  .object({
    /** The pool images are uploaded into (created as a `dir` pool at `poolPath` when missing). */
    pool: z.string().regex(NAME, 'a pool name is 1-63 letters, digits, ".", "_" or "-"').optional(),
    /** Directory of the pool on the hypervisor, when bmc-emu creates it. */
    poolPath: z.string().startsWith('/', 'poolPath is an absolute path on the hypervisor').optional(),
    /** auto: upload when the URI names a host; always / never: regardless of the URI. */
    upload: z.enum(['auto', 'always', 'never']).optional(),
  })
  .strict();

export const hypervisorEntry = z
  .object({
    name: z.string().regex(NAME, 'a hypervisor name is 1-63 letters, digits, ".", "_" or "-"'),
    /** A libvirt URI as libvirt users write it: qemu:///system, qemu+ssh://root@hv2/system, qemu+tcp://... */
    uri: z.string().min(1),
    /** A read (list, get) that takes longer marks the hypervisor down until it answers again (ms). */
    timeoutMs: z.number().int().min(100).max(600_000).default(4_000),
    /** Kill a virsh command that takes longer than this (ms). */
    commandTimeoutMs: z.number().int().min(1_000).max(600_000).default(20_000),
    ssh: hypervisorSsh.optional(),
    media: hypervisorMedia.optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    const parts = parseLibvirtUri(h.uri);
    if (!parts) {
      ctx.addIssue({
        code: 'custom',
        path: ['uri'],
        message: `not a libvirt URI: ${h.uri} (e.g. qemu+ssh://root@hv2/system)`,
      });
      return;
    }
    if (!h.ssh) return;
    if (!(SSH_TRANSPORTS as readonly string[]).includes(parts.transport)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssh'],
        message: `ssh options need an ssh transport (qemu+ssh://, qemu+libssh://, qemu+libssh2://), not ${h.uri}`,
      });
    }
    if (h.ssh.knownHostsFile && parts.transport === 'ssh') {
      ctx.addIssue({
        code: 'custom',
        path: ['ssh', 'knownHostsFile'],
        message:
          "libvirt's openssh transport (qemu+ssh://) ignores known_hosts=; use qemu+libssh:// for a known_hosts file, " +
          "or put the host key into root's ~/.ssh/known_hosts",
      });
    }
  });

export const hypervisorsList = z
  .array(hypervisorEntry)
  .min(1)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((h, i) => {
      if (seen.has(h.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${h.name}" is named twice` });
      seen.add(h.name);
    });
  });

export type HypervisorConfig = z.infer<typeof hypervisorEntry>;

/**
 * The hypervisors to serve: `driver.hypervisors` when given, else one per `driver.libvirtUris` entry,
 * named after the URI's host (`local` without one), `-2`, `-3`, ... when a name is taken (by another of
 * these or one of `taken`).
 */
export function resolveHypervisors(
  driver: {
    libvirtUris: readonly string[];
    hypervisors?: readonly HypervisorConfig[] | undefined;
  },
  taken: Iterable<string> = [],
): HypervisorConfig[] {
  if (driver.hypervisors?.length) return driver.hypervisors.map((h) => ({ ...h }));
  const names = new Set<string>(taken);
  return [...new Set(driver.libvirtUris)].map((uri) => {
    const host = parseLibvirtUri(uri)?.host.replace(/^\[|\]$/g, '') ?? '';
    const base =
      host
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '')
        .slice(0, 56) || 'local';
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    return { name, uri, timeoutMs: 4_000, commandTimeoutMs: 20_000 };
  });
}

/** lab.yaml's `hosts: [{hypervisor, count}]`: how many of a plan's nodes go to each named hypervisor. */
export const nodeSpread = z.array(
  z.object({ hypervisor: z.string().min(1), count: z.number().int().min(0).max(10_000) }).strict(),
);
export type NodeSpread = z.infer<typeof nodeSpread>;

/**
 * The hook for `lab up` over several hosts (packages/lab, issue #11): the hypervisor each of a plan's
 * nodes is defined on, in plan order (`hosts` entries in turn, `count` each). An unknown name fails
 * with the names that exist. Bridges that span the hosts are the user's to build (docs/scale-out.md).
 */
export function spreadNodes(hosts: NodeSpread, hypervisors: readonly HypervisorConfig[]): HypervisorConfig[] {
  const byName = new Map(hypervisors.map((h) => [h.name, h]));
  return hosts.flatMap(({ hypervisor, count }) => {
    const h = byName.get(hypervisor);
    if (!h) {
      throw errors.invalidArgument(
        `lab hosts name hypervisor "${hypervisor}", which driver.hypervisors does not have (it has: ${[...byName.keys()].join(', ')}).`,
        { hypervisor },
      );
    }
    return Array.from({ length: count }, () => h);
  });
}
