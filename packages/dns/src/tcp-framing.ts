import { errors } from '@bmc-emu/core';
/** DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message preceded by its length as two bytes. */
export class TcpFramer {
  private buffered: Buffer = Buffer.alloc(0);

  /** Feed bytes as they arrive; returns every message completed by them, in order. */
  push(chunk: Uint8Array): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : Buffer.from(chunk);
    const out: Buffer[] = [];
    let at = 0;
    while (this.buffered.length - at >= 2) {
      const len = this.buffered.readUInt16BE(at);
      if (this.buffered.length - at - 2 < len) break;
      out.push(Buffer.from(this.buffered.subarray(at + 2, at + 2 + len)));
      at += 2 + len;
    }
    this.buffered = Buffer.from(this.buffered.subarray(at));
    return out;
  }

  /** Bytes held for a message not yet complete. */
  get pending(): number {
    return this.buffered.length;
  }

  static frame(msg: Uint8Array): Buffer {
    if (msg.length > 0xffff)
      throw errors.invalidArgument(`a DNS message over TCP holds at most 65535 bytes, not ${msg.length}`);
    const out = Buffer.alloc(2 + msg.length);
    out.writeUInt16BE(msg.length, 0);
    out.set(msg, 2);
    return out;
  }
}
