import { createHash } from 'node:crypto';

/** The namespace of every lab UUID (a fixed random UUID; changing it would rename every lab's domains). */
const LAB_NAMESPACE = '6d1f0c2e-4b7a-4e55-9a63-2f1d9b8c7e01';

function nsBytes(): Buffer {
  return Buffer.from(LAB_NAMESPACE.replace(/-/g, ''), 'hex');
}

/** RFC 4122 version 5 UUID of `name` in the lab namespace: the same lab always gets the same UUIDs. */
export function labUuid(name: string): string {
  const h = createHash('sha1').update(nsBytes()).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * A MAC for `name`: `52:54` (QEMU's locally administered, unicast prefix) and 4 bytes of its SHA-256.
 * Deterministic, so render output and the domains `up` defines agree without talking to libvirt.
 */
export function labMac(name: string): string {
  const h = createHash('sha256').update(`bmc-emu-lab/${name}`, 'utf8').digest();
  return ['52', '54', ...[0, 1, 2, 3].map((i) => h[i]!.toString(16).padStart(2, '0'))].join(':');
}
