import { errors } from '@bmc-emu/core';
import { decodeFail } from './errors.js';
import { readIp, writeIp } from './ipv4.js';

/** One option after RFC 3396 joining: every instance of a code, concatenated in order of appearance. */
export interface DhcpOption {
  code: number;
  data: Uint8Array;
}

/** A DHCPv4/BOOTP message (RFC 2131 §2). Option 52 (overload), pad and end are framing, not listed. */
export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The first `hlen` bytes of the 16-byte chaddr field. */
  chaddr: Uint8Array;
  sname: string;
  file: string;
  options: DhcpOption[];
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const FLAG_BROADCAST = 0x8000;
export const MAGIC_COOKIE = 0x63825363;
const HEADER = 236;
const OPTIONS_AT = 240;
const SNAME_AT = 44;
const FILE_AT = 108;
const SNAME_LEN = 64;
const FILE_LEN = 128;
const MIN_BOOTP = 300;
const OPT_PAD = 0;
const OPT_END = 255;
const OPT_OVERLOAD = 52;

function readCString(buf: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + at, end - at).toString('latin1');
}

/** Walk one option area; push chunks into `into` (joined later). Returns true when END was seen. */
function readOptionArea(
  buf: Uint8Array,
  start: number,
  end: number,
  into: Map<number, Uint8Array[]>,
  area: string,
): void {
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === OPT_PAD) {
      i++;
      continue;
    }
    if (code === OPT_END) return;
    if (i + 1 >= end) decodeFail(`option ${code} in ${area} has no length byte`, { code, offset: i });
    const len = buf[i + 1]!;
    if (i + 2 + len > end) decodeFail(`option ${code} in ${area} runs past the end`, { code, offset: i, len });
    const chunks = into.get(code);
    const data = buf.subarray(i + 2, i + 2 + len);
    if (chunks) chunks.push(data);
    else into.set(code, [data]);
    i += 2 + len;
  }
}

/** Decode a DHCPv4 packet. Throws only DhcpDecodeError. */
export function decodePacket(input: Uint8Array): DhcpPacket {
  const buf = input;
  if (buf.length < OPTIONS_AT) decodeFail(`packet is ${buf.length} bytes, shorter than 240`, { length: buf.length });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = buf[2]!;
  if (hlen > 16) decodeFail(`hlen ${hlen} exceeds 16`, { hlen });
  if (view.getUint32(HEADER) !== MAGIC_COOKIE) decodeFail('no DHCP magic cookie (plain BOOTP is not served)');
  const chunks = new Map<number, Uint8Array[]>();
  readOptionArea(buf, OPTIONS_AT, buf.length, chunks, 'options');
  let sname = readCString(buf, SNAME_AT, SNAME_LEN);
  let file = readCString(buf, FILE_AT, FILE_LEN);
  const overload = chunks.get(OPT_OVERLOAD);
  if (overload) {
    chunks.delete(OPT_OVERLOAD);
    const value = overload[0]?.[0] ?? 0;
    if (value < 1 || value > 3) decodeFail(`option 52 value ${value} is not 1, 2 or 3`, { value });
    if (value & 1) {
      readOptionArea(buf, FILE_AT, FILE_AT + FILE_LEN, chunks, 'file');
      file = '';
    }
    if (value & 2) {
      readOptionArea(buf, SNAME_AT, SNAME_AT + SNAME_LEN, chunks, 'sname');
      sname = '';
    }
  }
  const options: DhcpOption[] = [];
  for (const [code, parts] of chunks) {
    options.push({ code, data: Uint8Array.from(parts.length === 1 ? parts[0]! : Buffer.concat(parts)) });
  }
  return {
    op: buf[0]!,
    htype: buf[1]!,
    hlen,
    hops: buf[3]!,
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    flags: view.getUint16(10),
    ciaddr: readIp(buf, 12),
    yiaddr: readIp(buf, 16),
    siaddr: readIp(buf, 20),
    giaddr: readIp(buf, 24),
    chaddr: Uint8Array.from(buf.subarray(28, 28 + hlen)),
    sname,
    file,
    options,
  };
}

export interface EncodeOptions {
  /**
   * Largest packet the peer accepts (option 57, minimum 576). When the options do not fit, they
   * overflow into `file` then `sname` (option 52) if those are empty; otherwise encoding fails.
   */
  maxSize?: number;
}

interface Area {
  start: number;
  end: number;
  at: number;
}

/** Encode a DHCPv4 packet; long options are split per RFC 3396. */
export function encodePacket(p: DhcpPacket, opts: EncodeOptions = {}): Buffer {
  const optionBytes = p.options.reduce(
    (n, o) => n + o.data.length + 2 * Math.max(1, Math.ceil(o.data.length / 255)),
    0,
  );
  const maxSize = opts.maxSize;
  const fitsPlain = maxSize === undefined || OPTIONS_AT + optionBytes + 1 <= maxSize;
  const canOverload = p.file === '' && p.sname === '';
  if (!fitsPlain && !canOverload) {
    throw errors.invalidArgument(`DHCP options need ${optionBytes} bytes and do not fit in ${maxSize}`);
  }
  const size = fitsPlain ? Math.max(MIN_BOOTP, OPTIONS_AT + optionBytes + 1) : (maxSize as number);
  const buf = Buffer.alloc(size);
  buf[0] = p.op;
  buf[1] = p.htype;
  buf[2] = p.hlen;
  buf[3] = p.hops;
  buf.writeUInt32BE(p.xid >>> 0, 4);
  buf.writeUInt16BE(p.secs, 8);
  buf.writeUInt16BE(p.flags, 10);
  writeIp(buf, 12, p.ciaddr);
  writeIp(buf, 16, p.yiaddr);
  writeIp(buf, 20, p.siaddr);
  writeIp(buf, 24, p.giaddr);
  if (p.chaddr.length > 16) throw errors.invalidArgument('chaddr is longer than 16 bytes');
  buf.set(p.chaddr, 28);
  if (Buffer.byteLength(p.sname, 'latin1') > SNAME_LEN - 1) throw errors.invalidArgument('sname is too long');
  if (Buffer.byteLength(p.file, 'latin1') > FILE_LEN - 1) throw errors.invalidArgument('file is too long');
  buf.write(p.sname, SNAME_AT, 'latin1');
  buf.write(p.file, FILE_AT, 'latin1');
  buf.writeUInt32BE(MAGIC_COOKIE, HEADER);

  const areas: Area[] = [{ start: OPTIONS_AT, end: size, at: OPTIONS_AT }];
  if (!fitsPlain) {
    buf[OPTIONS_AT] = OPT_OVERLOAD;
    buf[OPTIONS_AT + 1] = 1;
    areas[0]!.at += 3;
    areas.push({ start: FILE_AT, end: FILE_AT + FILE_LEN, at: FILE_AT });
    areas.push({ start: SNAME_AT, end: SNAME_AT + SNAME_LEN, at: SNAME_AT });
  }
  let ai = 0;
  for (const o of p.options) {
    let off = 0;
    do {
      let area = areas[ai]!;
      // room for header + at least one data byte (or zero for an empty option) + the END byte
      while (area.end - area.at - 1 < 2 + Math.min(1, o.data.length - off)) {
        ai++;
        const next = areas[ai];
        if (!next) throw errors.invalidArgument(`DHCP options do not fit in ${maxSize} bytes even with option 52`);
        area = next;
      }
      const n = Math.min(255, o.data.length - off, area.end - area.at - 3);
      buf[area.at] = o.code;
      buf[area.at + 1] = n;
      buf.set(o.data.subarray(off, off + n), area.at + 2);
      area.at += 2 + n;
      off += n;
    } while (off < o.data.length);
  }
  for (const [i, area] of areas.entries()) {
    if (i > 0 && area.at === area.start) continue;
    buf[area.at] = OPT_END;
  }
  if (!fitsPlain) {
    const used = (areas[1]!.at > areas[1]!.start ? 1 : 0) | (areas[2]!.at > areas[2]!.start ? 2 : 0);
    buf[OPTIONS_AT + 2] = used || 1;
  }
  return buf;
}
