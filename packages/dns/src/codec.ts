/**
 * The wire format, through dns-packet; this file adds what a server needs around it: which bytes earn
 * an error reply and which silence, header-only error replies, and truncation to the client's UDP size.
 */
import dnsPacket, { type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type RcodeName = keyof typeof Rcode;

export const HEADER_BYTES = 12;
/** RFC 1035 §4.2.1: without EDNS a UDP message holds at most 512 bytes. */
export const CLASSIC_UDP_SIZE = 512;

const QR = 0x8000;
const OPCODE_MASK = 0x7800;
const RD = 0x0100;

export interface Header {
  id: number;
  flags: number;
  opcode: number;
  qdcount: number;
}

/** The fixed 12-byte header, or undefined when the bytes are too short to hold one. */
export function readHeader(buf: Uint8Array): Header | undefined {
  if (buf.length < HEADER_BYTES) return undefined;
  const flags = (buf[2]! << 8) | buf[3]!;
  return {
    id: (buf[0]! << 8) | buf[1]!,
    flags,
    opcode: (flags & OPCODE_MASK) >> 11,
    qdcount: (buf[4]! << 8) | buf[5]!,
  };
}

export interface Query {
  header: Header;
  packet: DecodedPacket;
  question: Question;
  /** The client's EDNS0 OPT record, if it sent one. */
  opt?: OptAnswer;
}

export type Parsed =
  | { kind: 'query'; query: Query }
  /** Readable header, unusable message: answer this rcode with a header-only reply. */
  | { kind: 'error'; header: Header; rcode: RcodeName; why: string }
  /** Not a query we may answer at all (too short, or a response): stay silent. */
  | { kind: 'silent'; why: string };

/** Classify one incoming message. Never throws. */
export function parseQuery(buf: Buffer): Parsed {
  const header = readHeader(buf);
  if (!header) return { kind: 'silent', why: `${buf.length} bytes is shorter than a header` };
  if (header.flags & QR) return { kind: 'silent', why: 'a response, not a query' };
  if (header.opcode !== 0) return { kind: 'error', header, rcode: 'NOTIMP', why: `opcode ${header.opcode}` };
  if (header.qdcount !== 1) return { kind: 'error', header, rcode: 'FORMERR', why: `${header.qdcount} questions` };
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(buf);
  } catch (err) {
    return { kind: 'error', header, rcode: 'FORMERR', why: (err as Error).message };
  }
  const question = packet.questions?.[0];
  if (!question) return { kind: 'error', header, rcode: 'FORMERR', why: 'no question' };
  // a name dns-packet cannot write back byte for byte (a "." or odd bytes inside a label, a compression
  // pointer in the question) would come back as a different question: refuse it as malformed instead
  try {
    const again = dnsPacket.encode({ type: 'query', id: header.id, flags: header.flags, questions: [question] });
    if (!Buffer.from(buf.subarray(HEADER_BYTES, again.length)).equals(again.subarray(HEADER_BYTES))) {
      return { kind: 'error', header, rcode: 'FORMERR', why: 'question does not round-trip' };
    }
  } catch (err) {
    return { kind: 'error', header, rcode: 'FORMERR', why: (err as Error).message };
  }
  const opts = (packet.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  if (opts.length > 1) return { kind: 'error', header, rcode: 'FORMERR', why: 'more than one OPT record' };
  return { kind: 'query', query: { header, packet, question, ...(opts[0] ? { opt: opts[0] } : {}) } };
}

/** A reply with no sections: id, opcode and RD of the query, QR set, the rcode given. */
export function headerOnlyReply(header: Header, rcode: RcodeName): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(header.id, 0);
  out.writeUInt16BE(QR | (header.flags & (OPCODE_MASK | RD)) | Rcode[rcode], 2);
  return out;
}

/** Largest UDP reply this client takes: its EDNS0 size (never below 512), capped at ours. */
export function udpLimit(opt: OptAnswer | undefined, ours: number): number {
  if (!opt) return CLASSIC_UDP_SIZE;
  return Math.min(Math.max(opt.udpPayloadSize, CLASSIC_UDP_SIZE), ours);
}

/**
 * Encode; when the result exceeds `limit`, send the header and question only with TC set (RFC 2181 §9:
 * the client retries over TCP), keeping the OPT record so the client still sees our EDNS size.
 */
export function encodeWithin(reply: Packet, limit: number): { bytes: Buffer; truncated: boolean } {
  const bytes = dnsPacket.encode(reply);
  if (bytes.length <= limit) return { bytes, truncated: false };
  const opt = (reply.additionals ?? []).filter((a) => a.type === 'OPT');
  const short = dnsPacket.encode({
    ...reply,
    flags: (reply.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    answers: [],
    authorities: [],
    additionals: opt,
  });
  return { bytes: short, truncated: true };
}

/** Rewrite the 16-bit id of an encoded message in place (forwarded answers go back under the client's id). */
export function setId(buf: Buffer, id: number): Buffer {
  buf.writeUInt16BE(id, 0);
  return buf;
}

export { dnsPacket };
