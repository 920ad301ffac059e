import { isIPv6 } from 'node:net';

export interface Upstream {
  address: string;
  port: number;
}

/** "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353" -> address and port (53 by default). */
export function parseUpstream(text: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { address: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 53 };
  if (isIPv6(text)) return { address: text, port: 53 };
  const [address = '', port] = text.split(':');
  return { address, port: port ? Number(port) : 53 };
}
