import { IpmiDecodeError, need } from './errors.js';

export const RMCP_VERSION = 0x06;
export const RMCP_CLASS_ASF = 0x06;
export const RMCP_CLASS_IPMI = 0x07;
export const ASF_IANA = 4542;
export const ASF_PRESENCE_PING = 0x80;
export const ASF_PRESENCE_PONG = 0x40;

export interface RmcpFrame {
  /** 0xff: no RMCP ACK wanted (what every IPMI client sends). */
  sequence: number;
  /** Low 5 bits of the class byte; bit 7 marks an RMCP ACK. */
  messageClass: number;
  isAck: boolean;
  body: Buffer;
}

export function decodeRmcp(buf: Buffer): RmcpFrame {
  need(buf, 4, 'RMCP header');
  if (buf[0] !== RMCP_VERSION) throw new IpmiDecodeError(`RMCP version ${buf[0]} is not 6`);
  const cls = buf[3]!;
  return { sequence: buf[2]!, messageClass: cls & 0x1f, isAck: (cls & 0x80) !== 0, body: buf.subarray(4) };
}

export function encodeRmcp(messageClass: number, body: Uint8Array, sequence = 0xff): Buffer {
  return Buffer.concat([Buffer.from([RMCP_VERSION, 0x00, sequence & 0xff, messageClass & 0x1f]), body]);
}

export interface AsfMessage {
  iana: number;
  type: number;
  tag: number;
  data: Buffer;
}

export function decodeAsf(body: Buffer): AsfMessage {
  need(body, 8, 'ASF header');
  const len = body[7]!;
  need(body, 8 + len, 'ASF data');
  return { iana: body.readUInt32BE(0), type: body[4]!, tag: body[5]!, data: body.subarray(8, 8 + len) };
}

export function encodeAsf(msg: AsfMessage): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(msg.iana >>> 0, 0);
  head[4] = msg.type;
  head[5] = msg.tag;
  head[7] = msg.data.length;
  return Buffer.concat([head, msg.data]);
}

/** The Presence Pong body: IANA 4542, no OEM data, IPMI supported, no ASF security extensions. */
export function presencePong(tag: number): Buffer {
  const data = Buffer.alloc(16);
  data.writeUInt32BE(ASF_IANA, 0);
  data[8] = 0x81; // entities: IPMI supported, ASF version 1.0
  return encodeAsf({ iana: ASF_IANA, type: ASF_PRESENCE_PONG, tag, data });
}
