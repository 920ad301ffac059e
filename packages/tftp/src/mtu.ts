/**
 * blksize cap from the interface MTU: a DATA packet must fit one datagram without fragmentation,
 * MTU - 32 over IPv4 (20 IP + 8 UDP + 4 TFTP, RFC 2348's figure) and MTU - 52 over IPv6 (40-byte header).
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

function mtuOf(ifname: string): number | undefined {
  try {
    const n = Number(readFileSync(`/sys/class/net/${ifname}/mtu`, 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The largest blksize that fits the interface holding `bind`. For a wildcard bind the smallest MTU of
 * the non-loopback interfaces is used (a reply may leave through any of them); 1500 when unknown.
 */
export function blksizeCapFor(bind: string): number {
  const ifs = networkInterfaces();
  const wildcard = bind === '0.0.0.0' || bind === '::';
  const mtus: number[] = [];
  for (const [name, addrs] of Object.entries(ifs)) {
    const holds = addrs?.some((a) => a.address === bind);
    const loopback = addrs?.some((a) => a.internal) ?? false;
    if (holds || (wildcard && !loopback)) {
      const m = mtuOf(name);
      if (m !== undefined) mtus.push(m);
    }
  }
  const mtu = mtus.length > 0 ? Math.min(...mtus) : 1500;
  return Math.max(8, mtu - (isIPv6(bind) ? 52 : 32));
}
