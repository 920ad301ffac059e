import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { dnsPacket, readHeader } from './codec.js';
import { TcpFramer } from './tcp-framing.js';
import type { Upstream } from './upstream.js';

export interface ForwardResult {
  /** The upstream's reply, under the id we used; the caller puts the client's id back. */
  bytes: Buffer;
  upstream: Upstream;
  via: 'udp' | 'tcp';
}

/** The largest answer we take from an upstream over UDP (we advertise the same size to it). */
const UPSTREAM_UDP_SIZE = 4096;

/** True when `reply` answers `query`: same id, QR set, same question (names compared case-insensitively). */
function answers(query: Buffer, reply: Buffer): boolean {
  const q = readHeader(query);
  const r = readHeader(reply);
  if (!q || !r || q.id !== r.id || !(r.flags & 0x8000)) return false;
  try {
    const qq = dnsPacket.decode(query).questions?.[0];
    const rq = dnsPacket.decode(reply).questions?.[0];
    return !!qq && !!rq && qq.type === rq.type && qq.name.toLowerCase() === rq.name.toLowerCase();
  } catch {
    return false;
  }
}

/** One address however it is written: "::ffff:192.0.2.1" is 192.0.2.1, IPv6 in its canonical form. */
function sameAddress(a: string, b: string): boolean {
  const plain = (x: string) => {
    const v4 = x.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    return isIPv6(v4) ? new URL(`http://[${v4}]/`).hostname : v4;
  };
  return plain(a) === plain(b);
}

function udpExchange(query: Buffer, to: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    // a fresh socket (random source port) per query: answers cannot be spoofed by guessing one port
    const socket: UdpSocket = createSocket({ type: isIPv6(to.address) ? 'udp6' : 'udp4' });
    const done = (v: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port === to.port && sameAddress(rinfo.address, to.address) && answers(query, msg)) done(msg);
    });
    socket.send(query, to.port, to.address, (err) => {
      if (err) done(undefined);
    });
  });
}

function tcpExchange(query: Buffer, to: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const framer = new TcpFramer();
    const sock = connect({ host: to.address, port: to.port });
    const done = (v: Buffer | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.on('connect', () => sock.write(TcpFramer.frame(query)));
    sock.on('data', (chunk) => {
      for (const msg of framer.push(chunk)) if (answers(query, msg)) return done(msg);
    });
  });
}

/**
 * Ask each upstream in turn (UDP; over TCP again when the answer comes back truncated). Undefined when
 * none answered within its timeout: the caller sends SERVFAIL.
 */
export async function forward(
  packet: dnsPacket.Packet,
  upstreams: readonly Upstream[],
  timeoutMs: number,
): Promise<ForwardResult | undefined> {
  // the client's own query under a new id; an EDNS client's OPT (DO bit and all) goes on with our size
  const query = dnsPacket.encode({
    ...packet,
    id: randomInt(0, 0x10000),
    additionals: (packet.additionals ?? []).map((a) =>
      a.type === 'OPT' ? { ...a, udpPayloadSize: UPSTREAM_UDP_SIZE } : a,
    ),
  });
  for (const upstream of upstreams) {
    const udp = await udpExchange(query, upstream, timeoutMs);
    if (!udp) continue;
    if (!(udp[2]! & 0x02)) return { bytes: udp, upstream, via: 'udp' };
    const tcp = await tcpExchange(query, upstream, timeoutMs);
    if (tcp) return { bytes: tcp, upstream, via: 'tcp' };
  }
  return undefined;
}
