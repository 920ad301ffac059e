import { type HypervisorConfig, parseLibvirtUri, resolveHypervisors } from '@bmc-emu/core';
import type { BmcRecord } from '../bmc-record.js';

export interface RegistryHypervisors {
  /** One hypervisor per libvirt URI the records name that no configured hypervisor has. */
  extra: HypervisorConfig[];
  /** URIs that are not libvirt URIs at all (not connected to; the caller reports them). */
  invalid: string[];
}

/**
 * The libvirt URIs BMC records name (vbmc's per-domain `libvirt_uri`, `bmc add --libvirt-uri`) that no
 * configured hypervisor connects to, as extra hypervisors named from the URI's host the way
 * `driver.libvirtUris` entries are (`hv2`, `local`, `-2` on a clash with any configured name). URIs are
 * compared as written (trimmed): libvirt itself treats two spellings of a host as two connections.
 */
export function registryHypervisors(
  configured: readonly Pick<HypervisorConfig, 'name' | 'uri'>[],
  records: readonly Pick<BmcRecord, 'libvirtUri'>[],
): RegistryHypervisors {
  const known = new Set(configured.map((h) => h.uri.trim()));
  const uris = new Set<string>();
  const invalid = new Set<string>();
  for (const r of records) {
    const uri = r.libvirtUri?.trim();
    if (!uri || known.has(uri)) continue;
    if (parseLibvirtUri(uri)) uris.add(uri);
    else invalid.add(uri);
  }
  const extra = uris.size
    ? resolveHypervisors(
        { libvirtUris: [...uris] },
        configured.map((h) => h.name),
      )
    : [];
  return { extra, invalid: [...invalid] };
}
