/** chaddr bytes -> "52:54:00:aa:bb:01" (lower case). */
export function formatMac(chaddr: Uint8Array): string {
  return Array.from(chaddr, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function normalizeMac(mac: string): string {
  return mac.trim().toLowerCase().replace(/-/g, ':');
}

export function parseMac(mac: string): Uint8Array {
  return Uint8Array.from(normalizeMac(mac).split(':'), (h) => Number.parseInt(h, 16));
}
