import { need } from './errors.js';

/** A Serial-over-LAN payload (IPMI 2.0 15.9). */
export interface SolPacket {
  /** 1..15 for packets carrying data; 0 for ACK-only. */
  sequence: number;
  ackSequence: number;
  acceptedCount: number;
  /** Console to BMC: operation bits; BMC to console: status bits. */
  control: number;
  data: Buffer;
}

export function decodeSol(buf: Buffer): SolPacket {
  need(buf, 4, 'SOL payload');
  return {
    sequence: buf[0]! & 0x0f,
    ackSequence: buf[1]! & 0x0f,
    acceptedCount: buf[2]!,
    control: buf[3]!,
    data: Buffer.from(buf.subarray(4)),
  };
}

export function encodeSol(p: SolPacket): Buffer {
  return Buffer.concat([
    Buffer.from([p.sequence & 0x0f, p.ackSequence & 0x0f, p.acceptedCount & 0xff, p.control & 0xff]),
    p.data,
  ]);
}

/** Operation bits a console sends. */
export const SOL_OP = {
  nack: 0x40,
  ringWor: 0x20,
  generateBreak: 0x10,
  ctsPause: 0x08,
  dropDcd: 0x04,
  flushIn: 0x02,
  flushOut: 0x01,
};

/** Status bits a BMC sends. */
export const SOL_STATUS = {
  nack: 0x40,
  transferUnavailable: 0x20,
  deactivating: 0x10,
  overrun: 0x08,
  breakDetected: 0x04,
};
