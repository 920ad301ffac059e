import { existsSync } from 'node:fs';

/**
 * Whether a bridge the installer would look up exists on this host (the installer asks libvirt for a
 * network with that bridge name or a host interface; an active libvirt network's bridge is an interface).
 */
export function bridgeLookup(): (name: string) => boolean {
  return (name) => /^[\w.-]{1,15}$/.test(name) && existsSync(`/sys/class/net/${name}`);
}
