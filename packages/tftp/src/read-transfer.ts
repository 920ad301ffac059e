/**
 * One RRQ transfer on its own UDP socket (its own TID): optional OACK, then DATA in windows
 * (RFC 7440; windowsize 1 is RFC 1350 lock-step), retransmission on timeout with a retry limit.
 *
 * Sorcerer's Apprentice: an ACK for a block already acknowledged never triggers a send in lock-step
 * mode; only the timer retransmits. With windowsize > 1, RFC 7440 receivers re-ACK the last in-order
 * block to ask for the rest of a window again; that is honoured at most once per window send.
 */
import type { Socket } from 'node:dgram';
import type { Logger } from '@bmc-emu/core';
import type { BlockReader } from './block-reader.js';
import {
  decodePacket,
  encodeDataHeader,
  encodePacket,
  Opcode,
  TftpErrorCode,
  type TftpOptions,
} from './codec/packet.js';
import { toTftpError } from './tftp-error.js';

export interface ReadTransferSettings {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  maxRetries: number;
  /**
   * Double the timeout on each consecutive retransmission (capped at 5 s). Used when the client named
   * no timeout: a sender that keeps retransmitting at a short fixed interval starves receivers whose
   * own timer restarts on every packet (atftp re-ACKs a stale window only after its timer fires).
   */
  backoff: boolean;
  /** Options to acknowledge first; undefined or empty means start with DATA block 1. */
  oack?: TftpOptions;
  /** The client asked tsize: an ERROR 8 right after our OACK is the UEFI size probe, not a failure. */
  tsizeRequested: boolean;
}

export type TransferOutcome =
  | { kind: 'complete'; bytes: number; blocks: number }
  | { kind: 'size-probe' }
  | { kind: 'client-error'; code: number; message: string }
  | { kind: 'timeout' }
  | { kind: 'failed'; message: string };

export class ReadTransfer {
  private phase: 'oack' | 'data' | 'done' = 'data';
  /** Absolute (unwrapped) number of the first block in `window`. */
  private windowStart = 1;
  private readonly window: Buffer[] = [];
  /** Absolute number of the final block, once read. */
  private lastBlock: number | undefined;
  private retries = 0;
  private gapResent = false;
  private waiting = false;
  private timer: NodeJS.Timeout | undefined;
  private timerMs = 0;
  private bytes = 0;
  private sends = 0;
  private heard = false;
  private readonly done: Promise<TransferOutcome>;
  private resolveDone!: (o: TransferOutcome) => void;

  constructor(
    private readonly socket: Socket,
    private readonly reader: BlockReader,
    private readonly settings: ReadTransferSettings,
    private readonly log: Logger,
  ) {
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
    socket.on('message', (msg) => this.onMessage(msg));
    socket.on('error', (err) => this.finish({ kind: 'failed', message: err.message }));
  }

  /** True once the client has answered (any ACK): a repeated RRQ from it is then a new request. */
  get heardFromClient(): boolean {
    return this.heard;
  }

  /** DATA packets sent so far, retransmissions included (tests watch this for duplicate sends). */
  get dataSends(): number {
    return this.sends;
  }

  start(): Promise<TransferOutcome> {
    if (this.settings.oack && Object.keys(this.settings.oack).length > 0) {
      this.phase = 'oack';
      this.sendOack();
      this.armTimer();
    } else {
      this.pump();
    }
    return this.done;
  }

  abort(message: string): void {
    this.sendError(TftpErrorCode.NotDefined, message);
    this.finish({ kind: 'failed', message });
  }

  private onMessage(msg: Buffer): void {
    if (this.phase === 'done') return;
    // hot path: a 4-byte ACK during DATA (every block in lock-step) skips the general decoder
    if (this.phase === 'data' && msg.length === 4 && msg[0] === 0 && msg[1] === Opcode.ACK) {
      this.heard = true;
      this.onAck(msg.readUInt16BE(2));
      return;
    }
    let p: ReturnType<typeof decodePacket>;
    try {
      p = decodePacket(msg);
    } catch {
      return; // garbage from our peer's port: ignore, the timer keeps the transfer alive
    }
    if (p.op === 'ERROR') {
      const probe = this.phase === 'oack' && this.settings.tsizeRequested && p.code === TftpErrorCode.OptionRefused;
      this.finish(probe ? { kind: 'size-probe' } : { kind: 'client-error', code: p.code, message: p.message });
      return;
    }
    if (p.op !== 'ACK') return;
    this.heard = true;
    if (this.phase === 'oack') {
      if (p.block !== 0) return;
      this.phase = 'data';
      this.retries = 0;
      this.pump();
      return;
    }
    this.onAck(p.block);
  }

  private onAck(block16: number): void {
    const lastSent = this.windowStart + this.window.length - 1;
    // the newest absolute block number <= lastSent that wraps to block16
    const acked = lastSent - ((lastSent - block16) & 0xffff);
    if (acked < this.windowStart - 1) return; // stale
    if (acked === this.windowStart - 1) {
      // duplicate ACK: never resend in lock-step; in window mode resend once per window (RFC 7440 gap)
      if (this.settings.windowsize > 1 && !this.gapResent && this.window.length > 0 && !this.waiting) {
        this.gapResent = true;
        this.sendWindow();
        this.armTimer();
      }
      return;
    }
    this.window.splice(0, acked - this.windowStart + 1);
    this.windowStart = acked + 1;
    this.retries = 0;
    this.gapResent = false;
    if (this.lastBlock !== undefined && acked >= this.lastBlock) {
      this.finish({ kind: 'complete', bytes: this.bytes, blocks: this.lastBlock });
      return;
    }
    this.pump();
  }

  /** Fill the window from the file, then send all of it. */
  private pump(): void {
    if (this.phase !== 'data') return;
    try {
      while (this.window.length < this.settings.windowsize && this.lastBlock === undefined) {
        const block = this.reader.take();
        if (block === null) {
          this.waiting = true;
          this.clearTimer();
          this.reader.wait(() => {
            this.waiting = false;
            this.pump();
          });
          return;
        }
        this.window.push(block);
        this.bytes += block.length;
        if (block.length < this.settings.blksize) this.lastBlock = this.windowStart + this.window.length - 1;
      }
    } catch (err) {
      const e = toTftpError(err);
      this.sendError(e.code, e.message);
      this.finish({ kind: 'failed', message: (err as Error).message });
      return;
    }
    this.sendWindow();
    this.armTimer();
  }

  private sendWindow(): void {
    for (let i = 0; i < this.window.length; i++) {
      this.sends++;
      this.socket.send([encodeDataHeader(this.windowStart + i), this.window[i]!], this.afterSend);
    }
  }

  /** One callback for every send (a lost send is recovered by the retransmit timer). */
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.log.debug({ err: err.message }, 'tftp send failed');
  };

  private sendOack(): void {
    this.socket.send(encodePacket({ op: 'OACK', options: this.settings.oack ?? {} }));
  }

  private sendError(code: number, message: string): void {
    try {
      this.socket.send(encodePacket({ op: 'ERROR', code, message }));
    } catch {}
  }

  private armTimer(): void {
    const { timeoutMs, backoff } = this.settings;
    const ms = backoff ? Math.min(timeoutMs * 2 ** this.retries, Math.max(timeoutMs, 5000)) : timeoutMs;
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh(); // cheaper than a new timer per ACK
      return;
    }
    this.clearTimer();
    this.timerMs = ms;
    this.timer = setTimeout(() => this.onTimeout(), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.phase === 'done' || this.waiting) return;
    if (++this.retries > this.settings.maxRetries) {
      this.sendError(TftpErrorCode.NotDefined, 'Transfer timed out');
      this.finish({ kind: 'timeout' });
      return;
    }
    this.log.debug({ retry: this.retries, block: this.windowStart }, 'tftp retransmit');
    if (this.phase === 'oack') this.sendOack();
    else this.sendWindow();
    this.gapResent = false;
    this.armTimer();
  }

  private finish(outcome: TransferOutcome): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.clearTimer();
    this.reader.close();
    // let queued sends (a final ERROR) leave before the socket goes
    setImmediate(() => {
      try {
        this.socket.close();
      } catch {}
    });
    this.resolveDone(outcome);
  }
}
