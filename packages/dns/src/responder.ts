import type { Logger } from '@bmc-emu/core';
import type { Answer, Packet } from 'dns-packet';
import type { Authority } from './authority.js';
import {
  dnsPacket,
  encodeWithin,
  headerOnlyReply,
  parseQuery,
  type Query,
  Rcode,
  type RcodeName,
  setId,
  udpLimit,
} from './codec.js';
import { forward } from './forwarder.js';
import type { Upstream } from './upstream.js';

export type Transport = 'udp' | 'tcp';

export interface ResponderOptions {
  /** The current authoritative data (rebuilt by the server as DHCP names change). */
  authority: () => Authority;
  upstreams: readonly Upstream[];
  upstreamTimeoutMs: number;
  /** EDNS0 UDP payload size we advertise and accept. */
  ednsUdpSize: number;
  logger: Logger;
}

export interface Outcome {
  /** Undefined: say nothing. */
  bytes?: Buffer;
  /** For logs and counters: "auth NOERROR", "forward", "FORMERR", ... */
  outcome: string;
  truncated?: boolean;
}

const RD = dnsPacket.RECURSION_DESIRED;
const TCP_LIMIT = 0xffff;

/** One message in, at most one message out: the server's whole protocol logic, sockets aside. */
export class Responder {
  constructor(private readonly opts: ResponderOptions) {}

  async respond(buf: Buffer, transport: Transport): Promise<Outcome> {
    const parsed = parseQuery(buf);
    if (parsed.kind === 'silent') return { outcome: `silent: ${parsed.why}` };
    if (parsed.kind === 'error') {
      return { bytes: headerOnlyReply(parsed.header, parsed.rcode), outcome: `${parsed.rcode}: ${parsed.why}` };
    }
    const q = parsed.query;
    const limit = transport === 'udp' ? udpLimit(q.opt, this.opts.ednsUdpSize) : TCP_LIMIT;
    if (q.opt && q.opt.ednsVersion !== 0) return this.reply(q, limit, 'NOERROR', { badVersion: true });
    const { type, name } = q.question;
    const klass = q.question.class ?? 'IN';
    if (klass !== 'IN' && klass !== 'ANY') return this.reply(q, limit, 'REFUSED');
    if (type === 'AXFR' || type === 'IXFR') return this.reply(q, limit, 'REFUSED');
    const auth = this.opts.authority().lookup(name, type);
    if (auth) {
      return this.reply(q, limit, auth.rcode, {
        authoritative: true,
        answers: auth.answers,
        authorities: auth.authorities,
        additionals: auth.additionals,
      });
    }
    if (this.opts.upstreams.length === 0) return this.reply(q, limit, 'REFUSED');
    const fwd = await forward(q.packet, this.opts.upstreams, this.opts.upstreamTimeoutMs);
    if (!fwd) return this.reply(q, limit, 'SERVFAIL', { note: 'no upstream answered' });
    const bytes = setId(fwd.bytes, q.header.id);
    // relayed, not ours: never AA (the upstream may be authoritative, we are not), always RA
    bytes[2]! &= ~(dnsPacket.AUTHORITATIVE_ANSWER >> 8);
    bytes[3]! |= dnsPacket.RECURSION_AVAILABLE;
    const via = `forward ${fwd.upstream.address}:${fwd.upstream.port}/${fwd.via}`;
    if (bytes.length <= limit) return { bytes, outcome: via };
    // the upstream's full answer does not fit this client's UDP size: TC, and it asks again over TCP
    const short = this.reply(q, limit, 'NOERROR', { truncate: true });
    return { ...short, outcome: `${via} truncated` };
  }

  private reply(
    q: Query,
    limit: number,
    rcode: RcodeName,
    extra: {
      authoritative?: boolean;
      answers?: Answer[];
      authorities?: Answer[];
      additionals?: Answer[];
      badVersion?: boolean;
      truncate?: boolean;
      note?: string;
    } = {},
  ): Outcome {
    let flags = (q.header.flags & RD) | Rcode[rcode];
    if (extra.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
    if (this.opts.upstreams.length) flags |= dnsPacket.RECURSION_AVAILABLE;
    if (extra.truncate) flags |= dnsPacket.TRUNCATED_RESPONSE;
    const additionals = [...(extra.additionals ?? [])];
    if (q.opt) {
      additionals.push({
        type: 'OPT',
        name: '.',
        udpPayloadSize: this.opts.ednsUdpSize,
        // BADVERS (16) is extended rcode 1 with 0 in the header (RFC 6891 §6.1.3)
        extendedRcode: extra.badVersion ? 1 : 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      });
    }
    const packet: Packet = {
      type: 'response',
      id: q.header.id,
      flags,
      questions: [q.question],
      answers: extra.truncate ? [] : (extra.answers ?? []),
      authorities: extra.truncate ? [] : (extra.authorities ?? []),
      additionals,
    };
    const { bytes, truncated } = encodeWithin(packet, limit);
    const what = extra.badVersion ? 'BADVERS' : `${extra.authoritative ? 'auth ' : ''}${rcode}`;
    return {
      bytes,
      outcome: `${what}${extra.note ? `: ${extra.note}` : ''}`,
      truncated: truncated || !!extra.truncate,
    };
  }
}
