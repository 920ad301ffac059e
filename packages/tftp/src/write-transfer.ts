/**
 * One WRQ transfer (only when writes are enabled): ACK 0 or OACK, then DATA in order, ACKed per window.
 * The upload goes to a temporary file beside the target and is renamed into place when complete,
 * so a half-received file is never served.
 */
import type { Socket } from 'node:dgram';
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import type { Logger } from '@bmc-emu/core';
import { NetasciiDecoder } from './codec/netascii.js';
import { decodePacket, encodePacket, TftpErrorCode, type TftpOptions } from './codec/packet.js';
import type { TransferOutcome } from './read-transfer.js';

export interface WriteTransferSettings {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  maxRetries: number;
  oack?: TftpOptions;
  netascii: boolean;
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
}

export class WriteTransfer {
  private expected = 1;
  private inWindow = 0;
  private bytes = 0;
  private retries = 0;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly out: WriteStream;
  private readonly temp: string;
  private readonly decoder: NetasciiDecoder | undefined;
  private readonly done: Promise<TransferOutcome>;
  private resolveDone!: (o: TransferOutcome) => void;

  constructor(
    private readonly socket: Socket,
    private readonly target: string,
    private readonly settings: WriteTransferSettings,
    private readonly log: Logger,
  ) {
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
    this.temp = `${target}.tftp-${process.pid}-${Date.now()}.part`;
    this.out = createWriteStream(this.temp, { flags: 'wx' });
    this.decoder = settings.netascii ? new NetasciiDecoder() : undefined;
    this.out.on('error', (err) => this.fail(TftpErrorCode.DiskFull, err.message));
    socket.on('message', (msg) => this.onMessage(msg));
  }

  start(): Promise<TransferOutcome> {
    this.sendAck();
    return this.done;
  }

  private lastReply(): Buffer {
    if (this.expected === 1 && this.settings.oack && Object.keys(this.settings.oack).length > 0) {
      return encodePacket({ op: 'OACK', options: this.settings.oack });
    }
    return encodePacket({ op: 'ACK', block: this.expected - 1 });
  }

  private sendAck(): void {
    this.socket.send(this.lastReply());
    this.arm();
  }

  private onMessage(msg: Buffer): void {
    if (this.finished) return;
    let p: ReturnType<typeof decodePacket>;
    try {
      p = decodePacket(msg);
    } catch {
      return;
    }
    if (p.op === 'ERROR') {
      this.cleanup({ kind: 'client-error', code: p.code, message: p.message });
      return;
    }
    if (p.op !== 'DATA') return;
    if (p.block !== (this.expected & 0xffff)) {
      // out of order or duplicate: re-ACK the last in-order block (RFC 7440 gap signal)
      this.inWindow = 0;
      this.sendAck();
      return;
    }
    if (p.data.length > this.settings.blksize) {
      this.fail(TftpErrorCode.IllegalOperation, 'DATA larger than the negotiated blksize');
      return;
    }
    this.bytes += p.data.length;
    if (this.bytes > this.settings.maxBytes) {
      this.fail(TftpErrorCode.DiskFull, 'Upload too large');
      return;
    }
    this.out.write(this.decoder ? this.decoder.push(p.data) : Buffer.from(p.data));
    this.expected++;
    this.retries = 0;
    const last = p.data.length < this.settings.blksize;
    if (last || ++this.inWindow >= this.settings.windowsize) {
      this.inWindow = 0;
      this.sendAck();
    }
    if (last) void this.complete();
  }

  private async complete(): Promise<void> {
    this.finished = true;
    this.clear();
    if (this.decoder) this.out.write(this.decoder.end());
    await new Promise<void>((res) => this.out.end(res));
    try {
      await fsp.link(this.temp, this.target); // fails if the target appeared meanwhile: never overwrite
      await fsp.unlink(this.temp);
      this.close({ kind: 'complete', bytes: this.bytes, blocks: this.expected - 1 });
    } catch (err) {
      await fsp.unlink(this.temp).catch(() => {});
      this.close({ kind: 'failed', message: (err as Error).message });
    }
  }

  private fail(code: number, message: string): void {
    try {
      this.socket.send(encodePacket({ op: 'ERROR', code, message }));
    } catch {}
    this.cleanup({ kind: 'failed', message });
  }

  private cleanup(outcome: TransferOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.clear();
    this.out.destroy();
    void fsp.unlink(this.temp).catch(() => {});
    this.close(outcome);
  }

  private close(outcome: TransferOutcome): void {
    setImmediate(() => {
      try {
        this.socket.close();
      } catch {}
    });
    this.log.debug({ outcome }, 'tftp write finished');
    this.resolveDone(outcome);
  }

  private arm(): void {
    this.clear();
    this.timer = setTimeout(
      () => {
        if (this.finished) return;
        if (++this.retries > this.settings.maxRetries) {
          this.fail(TftpErrorCode.NotDefined, 'Transfer timed out');
          return;
        }
        this.socket.send(this.lastReply());
        this.arm();
      },
      this.settings.timeoutMs * 2 ** Math.min(this.retries, 3),
    ); // 1x, 2x, 4x, 8x: do not flood a slow sender
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
