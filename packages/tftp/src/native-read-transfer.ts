/**
 * The native read engine: the same transfer as ReadTransfer (read-transfer.ts is the spec), run by the
 * tftp_native addon on its own thread with its own connected socket, so each ACK is answered without a
 * trip through the event loop. Only for octet reads of a file the server holds an fd for.
 */
import { createRequire } from 'node:module';
import { errors } from '@bmc-emu/core';
import type { TransferOutcome } from './read-transfer.js';

export interface NativeReadSettings {
  /** Open file to pread from; the addon reads through its own dup, the caller may close this any time. */
  fd: number;
  /** Local address the transfer socket binds to (numeric, IPv6 scope allowed), port chosen by the OS. */
  bind: string;
  peer: string;
  port: number;
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  maxRetries: number;
  backoff: boolean;
  /** The encoded OACK packet to send first, or undefined to start with DATA block 1. */
  oack?: Buffer;
  tsizeRequested: boolean;
}

type Kind = TransferOutcome['kind'];
type OnDone = (kind: Kind, bytes: number, blocks: number, code: number, message: string) => void;

interface NativeHandle {
  heardFromClient(): boolean;
  dataSends(): number;
  abort(message: string): void;
}
interface NativeBinding {
  ReadTransfer: new (settings: NativeReadSettings, onDone: OnDone) => NativeHandle;
}

let binding: NativeBinding | undefined;
let loadError: Error | undefined;

/** The addon, or undefined when it is not built (the error is kept for nativeEngineError()). */
function load(): NativeBinding | undefined {
  if (binding || loadError) return binding;
  try {
    // src/ and dist/ both sit one level below the package root, beside build/
    binding = createRequire(import.meta.url)('../build/Release/tftp_native.node') as NativeBinding;
  } catch (err) {
    loadError = err as Error;
  }
  return binding;
}

/** True when the tftp_native addon is built and loads. */
export function nativeEngineAvailable(): boolean {
  return load() !== undefined;
}

/** Why the addon is unavailable (undefined when it loaded). */
export function nativeEngineError(): string | undefined {
  load();
  return loadError?.message;
}

/** Window memory the addon accepts per transfer ((4 + blksize) x windowsize). */
export const NATIVE_MAX_WINDOW_BYTES = 64 * 1024 * 1024;

export class NativeReadTransfer {
  private readonly handle: NativeHandle;
  private readonly done: Promise<TransferOutcome>;
  private resolveDone!: (o: TransferOutcome) => void;
  private settled = false;
  private readonly ended: Promise<void>;

  /** Opens the transfer socket and starts sending at once; throws when the socket cannot be set up. */
  constructor(settings: NativeReadSettings) {
    const b = load();
    if (!b) throw errors.unsupported(`the tftp_native addon is not built: ${loadError?.message ?? 'unknown error'}`);
    let endThread!: () => void;
    this.ended = new Promise((r) => {
      endThread = r;
    });
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
    this.handle = new b.ReadTransfer(settings, (kind, bytes, blocks, code, message) => {
      endThread();
      this.settle(toOutcome(kind, bytes, blocks, code, message));
    });
  }

  /** True once the client has sent anything to this transfer: a repeated RRQ from it is then a new request. */
  get heardFromClient(): boolean {
    return this.handle.heardFromClient();
  }

  /** DATA packets sent so far, retransmissions included. */
  get dataSends(): number {
    return this.handle.dataSends();
  }

  /** The outcome; resolves when the transfer thread has finished (or at once after abort()). */
  start(): Promise<TransferOutcome> {
    return this.done;
  }

  /** Resolves when the transfer thread has ended and closed its socket and file. */
  get threadEnded(): Promise<void> {
    return this.ended;
  }

  /** Sends ERROR 0 with `message` and ends the transfer (the thread wakes at once). */
  abort(message: string): void {
    this.handle.abort(message);
    this.settle({ kind: 'failed', message });
  }

  private settle(o: TransferOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveDone(o);
  }
}

function toOutcome(kind: Kind, bytes: number, blocks: number, code: number, message: string): TransferOutcome {
  switch (kind) {
    case 'complete':
      return { kind, bytes, blocks };
    case 'client-error':
      return { kind, code, message };
    case 'failed':
      return { kind, message };
    default:
      return { kind };
  }
}
