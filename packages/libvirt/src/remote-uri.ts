import { type HypervisorConfig, parseLibvirtUri } from '@bmc-emu/core';

/** Characters a libvirt URI parameter value may keep as written (libvirt unescapes %XX). */
const escapeValue = (v: string): string => v.replace(/[^\w/.~:-]/g, (c) => encodeURIComponent(c));

/**
 * The URI virsh connects with: the hypervisor's URI as the user wrote it, plus libvirt's own ssh
 * parameters for its `ssh:` options (keyfile=, known_hosts=, no_verify=1 / known_hosts_verify=ignore).
 * A parameter already in the URI wins.
 */
export function connectUri(h: Pick<HypervisorConfig, 'uri' | 'ssh'>): string {
  const parts = parseLibvirtUri(h.uri);
  if (!h.ssh || !parts) return h.uri;
  const add: [string, string][] = [];
  if (h.ssh.keyFile) add.push(['keyfile', h.ssh.keyFile]);
  if (h.ssh.knownHostsFile) add.push(['known_hosts', h.ssh.knownHostsFile]);
  if (!h.ssh.verifyHostKey) {
    add.push(parts.transport === 'libssh' ? ['known_hosts_verify', 'ignore'] : ['no_verify', '1']);
  }
  const fresh = add.filter(([k]) => !(k in parts.params));
  if (fresh.length === 0) return h.uri;
  const query = fresh.map(([k, v]) => `${k}=${escapeValue(v)}`).join('&');
  const sep = h.uri.includes('?') ? (h.uri.endsWith('?') || h.uri.endsWith('&') ? '' : '&') : '?';
  return `${h.uri}${sep}${query}`;
}
