import type { Duplex } from 'node:stream';
import { decodeSol, encodeSol, SOL_STATUS, type SolPacket } from './codec/sol.js';

const CHUNK = 200;
const RETRY_MS = 500;
const MAX_RETRIES = 6;

/**
 * One active SOL payload: console bytes go out one packet at a time (stop-and-wait, retried until
 * ACKed), console input is written to the node once per sequence number and ACKed.
 */
export class SolRelay {
  private queue = Buffer.alloc(0);
  private outstanding: { seq: number; packet: Buffer; retries: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextSeq = 1;
  private lastInbound = 0;
  private closed = false;

  constructor(
    private readonly console: Duplex,
    private readonly send: (payload: Buffer) => void,
    private readonly onEnd: () => void,
  ) {
    console.on('data', (chunk: Buffer) => {
      this.queue = Buffer.concat([this.queue, Buffer.from(chunk)]);
      this.pump();
    });
    // the node's console went away (powered off, pty closed): tell the client, then end the payload
    const gone = () => {
      if (this.closed) return;
      this.sendPacket({
        sequence: this.nextSeq,
        ackSequence: 0,
        acceptedCount: 0,
        control: SOL_STATUS.deactivating,
        data: Buffer.alloc(0),
      });
      this.onEnd();
    };
    console.on('error', gone);
    console.on('end', gone);
    console.on('close', gone);
  }

  /** A SOL payload from the console (already authenticated and decrypted). */
  receive(raw: Buffer): void {
    const p = decodeSol(raw);
    if (this.outstanding && p.ackSequence === this.outstanding.seq && (p.acceptedCount > 0 || p.sequence === 0)) {
      const nack = (p.control & 0x40) !== 0;
      if (!nack) {
        const unaccepted = this.outstanding.packet.subarray(
          4 + Math.min(p.acceptedCount, this.outstanding.packet.length - 4),
        );
        if (unaccepted.length) this.queue = Buffer.concat([unaccepted, this.queue]);
        this.clearOutstanding();
        this.pump();
      }
    }
    if (p.sequence === 0) return;
    if (p.sequence !== this.lastInbound && p.data.length) {
      this.console.write(p.data);
    }
    this.lastInbound = p.sequence;
    this.sendPacket({
      sequence: 0,
      ackSequence: p.sequence,
      acceptedCount: p.data.length,
      control: 0,
      data: Buffer.alloc(0),
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearOutstanding();
    this.console.removeAllListeners('data');
    this.console.destroy();
  }

  private pump(): void {
    if (this.closed || this.outstanding || this.queue.length === 0) return;
    const data = this.queue.subarray(0, CHUNK);
    this.queue = this.queue.subarray(data.length);
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq % 15) + 1;
    const packet = encodeSol({ sequence: seq, ackSequence: 0, acceptedCount: 0, control: 0, data: Buffer.from(data) });
    this.outstanding = { seq, packet, retries: 0 };
    this.send(packet);
    this.arm();
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      const o = this.outstanding;
      if (!o || this.closed) return;
      if (++o.retries > MAX_RETRIES) {
        this.clearOutstanding();
        this.pump();
        return;
      }
      this.send(o.packet);
      this.arm();
    }, RETRY_MS);
    this.timer.unref();
  }

  private clearOutstanding(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.outstanding = undefined;
  }

  private sendPacket(p: SolPacket): void {
    if (!this.closed) this.send(encodeSol(p));
  }
}
