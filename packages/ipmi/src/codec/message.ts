import { IpmiDecodeError, need } from './errors.js';

export const BMC_SLAVE_ADDR = 0x20;
export const REMOTE_SWID = 0x81;

/** An IPMI LAN request (rsAddr/netFn/rqAddr/rqSeq/cmd/data with both checksums verified). */
export interface IpmiRequest {
  rsAddr: number;
  netFn: number;
  rsLun: number;
  rqAddr: number;
  rqSeq: number;
  rqLun: number;
  cmd: number;
  data: Buffer;
}

/** Two's-complement checksum: the byte that makes the sum of the range plus it zero. */
export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return (0x100 - sum) & 0xff;
}

export function decodeRequest(buf: Buffer): IpmiRequest {
  need(buf, 7, 'IPMI message');
  if (checksum(buf, 0, 2) !== buf[2]) throw new IpmiDecodeError('IPMI header checksum mismatch');
  if (checksum(buf, 3, buf.length - 1) !== buf[buf.length - 1])
    throw new IpmiDecodeError('IPMI data checksum mismatch');
  return {
    rsAddr: buf[0]!,
    netFn: buf[1]! >> 2,
    rsLun: buf[1]! & 3,
    rqAddr: buf[3]!,
    rqSeq: buf[4]! >> 2,
    rqLun: buf[4]! & 3,
    cmd: buf[5]!,
    data: Buffer.from(buf.subarray(6, buf.length - 1)),
  };
}

export function encodeRequest(req: IpmiRequest): Buffer {
  const out = Buffer.alloc(7 + req.data.length);
  out[0] = req.rsAddr;
  out[1] = ((req.netFn & 0x3f) << 2) | (req.rsLun & 3);
  out[2] = checksum(out, 0, 2);
  out[3] = req.rqAddr;
  out[4] = ((req.rqSeq & 0x3f) << 2) | (req.rqLun & 3);
  out[5] = req.cmd;
  req.data.copy(out, 6);
  out[out.length - 1] = checksum(out, 3, out.length - 1);
  return out;
}

export interface IpmiResponse {
  rqAddr: number;
  netFn: number;
  rqLun: number;
  rsAddr: number;
  rqSeq: number;
  rsLun: number;
  cmd: number;
  completionCode: number;
  data: Buffer;
}

/** The response to `req`: addresses swapped, netFn + 1, same sequence and command. */
export function encodeResponse(req: IpmiRequest, completionCode: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(8 + data.length);
  out[0] = req.rqAddr;
  out[1] = (((req.netFn | 1) & 0x3f) << 2) | (req.rqLun & 3);
  out[2] = checksum(out, 0, 2);
  out[3] = req.rsAddr;
  out[4] = ((req.rqSeq & 0x3f) << 2) | (req.rsLun & 3);
  out[5] = req.cmd;
  out[6] = completionCode;
  Buffer.from(data).copy(out, 7);
  out[out.length - 1] = checksum(out, 3, out.length - 1);
  return out;
}

export function decodeResponse(buf: Buffer): IpmiResponse {
  need(buf, 8, 'IPMI response');
  if (checksum(buf, 0, 2) !== buf[2]) throw new IpmiDecodeError('IPMI header checksum mismatch');
  if (checksum(buf, 3, buf.length - 1) !== buf[buf.length - 1])
    throw new IpmiDecodeError('IPMI data checksum mismatch');
  return {
    rqAddr: buf[0]!,
    netFn: buf[1]! >> 2,
    rqLun: buf[1]! & 3,
    rsAddr: buf[3]!,
    rqSeq: buf[4]! >> 2,
    rsLun: buf[4]! & 3,
    cmd: buf[5]!,
    completionCode: buf[6]!,
    data: Buffer.from(buf.subarray(7, buf.length - 1)),
  };
}
