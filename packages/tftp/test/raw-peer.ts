/**
 * A byte-level TFTP peer for protocol edge cases that real clients cannot be made to produce on demand
 * (duplicate ACKs, silence, aborts). Interop with real clients lives in test/tftp-*.test.ts.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodePacket, encodePacket, type TftpPacket } from '../src/index.js';

export interface Received {
  packet: TftpPacket;
  from: RemoteInfo;
}

export class RawPeer {
  readonly sock: Socket;
  private readonly queue: Received[] = [];
  private waiter: (() => void) | undefined;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('message', (msg, from) => {
      this.queue.push({ packet: decodePacket(msg), from });
      this.waiter?.();
    });
  }

  static async open(): Promise<RawPeer> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return new RawPeer(sock);
  }

  send(p: TftpPacket | Buffer, port: number): void {
    this.sock.send(Buffer.isBuffer(p) ? p : encodePacket(p), port, '127.0.0.1');
  }

  /** Next packet, or undefined after `ms` of silence. */
  async next(ms = 2000): Promise<Received | undefined> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift();
  }

  /** Everything that arrives within `ms`. */
  async drain(ms: number): Promise<Received[]> {
    const out: Received[] = [];
    const end = Date.now() + ms;
    for (;;) {
      const r = await this.next(Math.max(0, end - Date.now()));
      if (!r) return out;
      out.push(r);
    }
  }

  close(): void {
    this.sock.close();
  }
}
