/**
 * The TFTP server: one listening socket for requests, one fresh socket (own TID port) per transfer.
 * Requests are decoded by the pure codec; files come from `root` and then `provider`; every refusal
 * goes through toTftpError().
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import { isIP, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import {
  BmcEmuError,
  DEFAULT_BIND,
  ErrorCode,
  errors,
  type EventBus,
  type Logger,
  silentLogger,
  withDefaults,
} from '@bmc-emu/core';
import { BlockReader } from './block-reader.js';
import { NetasciiEncoder } from './codec/netascii.js';
import { tftpSection } from './config-section.js';
import { type Negotiated, negotiate } from './codec/options.js';
import { decodePacket, encodePacket, type RequestPacket } from './codec/packet.js';
import type { TftpClientInfo, TftpFile, TftpFileProvider } from './file-source.js';
import { blksizeCapFor } from './mtu.js';
import {
  NATIVE_MAX_WINDOW_BYTES,
  NativeReadTransfer,
  nativeEngineAvailable,
  nativeEngineError,
} from './native-read-transfer.js';
import { checkRequestPath, openInRoot, resolveInRoot } from './path-guard.js';
import { ReadTransfer, type TransferOutcome } from './read-transfer.js';
import { refuse, toTftpError } from './tftp-error.js';
import { WriteTransfer } from './write-transfer.js';

export interface TftpServerOptions {
  /** Address to listen on (default: core's bind default). Each transfer socket binds here too. */
  bind?: string;
  /** Request port (default: the tftp section's; 0 picks a free one). */
  port?: number;
  /** Folder whose files are served (and, with allowWrite, written). */
  root?: string;
  /** Asked when `root` has no such file (or there is no root): iPXE binaries, per-node files. */
  provider?: TftpFileProvider;
  /** Largest blksize granted (further capped at the interface MTU - 32). Default: the tftp section's. */
  maxBlksize?: number;
  /** Largest windowsize granted. Default: the tftp section's. */
  maxWindowsize?: number;
  /** Accept WRQ into `root` (new files only). Default false: WRQ gets ERROR 2. */
  allowWrite?: boolean;
  /** Largest upload in bytes when allowWrite. Default 64 MiB. */
  maxWriteBytes?: number;
  /** First retransmission timeout when the client names none (ms), doubling per retry up to 5 s. Default: the tftp section's. */
  timeoutMs?: number;
  /** Retransmissions before a transfer is abandoned. Default: the tftp section's. */
  maxRetries?: number;
  /** Concurrent transfers before new requests get "server busy". Default 2048. */
  maxTransfers?: number;
  /**
   * Read engine. 'auto' (default): the native addon for octet reads of files with an fd when it is built,
   * the JS engine otherwise. 'js': always JS. 'native': like auto, but start() fails without the addon.
   */
  engine?: TftpEngine;
  logger?: Logger;
  /** The rack event stream each finished transfer is published to. */
  events?: EventBus | undefined;
  /** The node at a client address (names the events); `serve` asks its PeerNodes. */
  nodeOfPeer?: ((address: string) => string | undefined) | undefined;
}

export type TftpEngine = 'auto' | 'js' | 'native';

type ServerSettings = Required<Omit<TftpServerOptions, 'root' | 'provider' | 'logger' | 'events' | 'nodeOfPeer'>>;

const { port, maxBlksize, maxWindowsize, allowWrite, timeoutMs, maxRetries } = tftpSection.parse({});
/** The tftp section's defaults plus the server-only knobs (not config keys). */
const DEFAULTS: ServerSettings = {
  bind: DEFAULT_BIND,
  port,
  maxBlksize,
  maxWindowsize,
  allowWrite,
  timeoutMs,
  maxRetries,
  maxWriteBytes: 64 * 1024 * 1024,
  maxTransfers: 2048,
  engine: 'auto',
};

export interface TftpStats {
  /** Datagrams received on the request port. */
  received: number;
  active: number;
  completed: number;
  failed: number;
  sizeProbes: number;
  refused: number;
  badPackets: number;
  /** RRQs repeated by a client before it answered the first one (its retransmission), not served twice. */
  duplicateRequests: number;
  /** Reads run by the native engine (the rest ran in JS). */
  nativeReads: number;
}

/** A read in progress for one client address:port; `transfer` is set once its socket is up. */
interface ReadInProgress {
  filename: string;
  transfer?: { readonly heardFromClient: boolean };
}

export class TftpServer {
  private readonly opts: ServerSettings;
  private readonly log: Logger;
  private socket: Socket | undefined;
  private readonly transfers = new Set<ReadTransfer | NativeReadTransfer | WriteTransfer>();
  private readonly reads = new Map<string, ReadInProgress>();
  private readonly stats: TftpStats = {
    received: 0,
    active: 0,
    completed: 0,
    failed: 0,
    sizeProbes: 0,
    refused: 0,
    badPackets: 0,
    duplicateRequests: 0,
    nativeReads: 0,
  };
  private blksizeCap = DEFAULTS.maxBlksize;
  private rootOk = false;

  constructor(private readonly init: TftpServerOptions = {}) {
    this.opts = withDefaults(DEFAULTS, init);
    this.log = init.logger ?? silentLogger();
  }

  /** Counters since start (a copy). */
  get counters(): TftpStats {
    return { ...this.stats, active: this.transfers.size };
  }

  /** The engine octet reads of files with an fd use: 'native' when the addon is built (and not turned off). */
  get readEngine(): 'js' | 'native' {
    return this.opts.engine !== 'js' && nativeEngineAvailable() ? 'native' : 'js';
  }

  /** The bound request port (after start()). */
  get port(): number {
    const a = this.socket?.address();
    if (!a) throw new BmcEmuError(ErrorCode.Internal, 'TFTP server not started: call start() first');
    return a.port;
  }

  async start(): Promise<{ address: string; port: number }> {
    if (this.socket) throw errors.conflict('TFTP server already started');
    if (this.opts.engine === 'native' && !nativeEngineAvailable()) {
      throw new BmcEmuError(
        ErrorCode.ConfigInvalid,
        `TFTP engine 'native' needs the tftp_native addon, which did not load (${nativeEngineError()}): ` +
          'run `npm rebuild @bmc-emu/tftp` (python3, make and a C compiler are required).',
      );
    }
    this.rootOk = this.init.root !== undefined && existsSync(this.init.root) && statSync(this.init.root).isDirectory();
    if (this.init.root !== undefined && !this.rootOk)
      this.log.warn({ root: this.init.root }, 'tftp root folder missing');
    if (!this.rootOk && !this.init.provider) this.log.warn('tftp server has no root folder and no provider');
    this.blksizeCap = Math.min(this.opts.maxBlksize, blksizeCapFor(this.opts.bind));
    const sock = createSocket({ type: isIPv6(this.opts.bind) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    sock.on('message', (msg, rinfo) => this.onRequest(sock, msg, rinfo));
    sock.on('error', (err) => this.log.error({ err: err.message }, 'tftp socket error'));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.opts.port, this.opts.bind, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    this.socket = sock;
    const a = sock.address();
    this.log.info({ address: a.address, port: a.port, blksizeCap: this.blksizeCap }, 'tftp listening');
    return { address: a.address, port: a.port };
  }

  async stop(): Promise<void> {
    for (const t of this.transfers) if (!(t instanceof WriteTransfer)) t.abort('Server shutting down');
    this.transfers.clear();
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private onRequest(sock: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    this.stats.received++;
    let req: RequestPacket;
    try {
      const p = decodePacket(msg);
      if (p.op === 'ERROR') return; // never answer an error (no ping-pong)
      if (p.op !== 'RRQ' && p.op !== 'WRQ') throw refuse.illegal(`${p.op} sent to the request port`);
      req = p;
    } catch (err) {
      this.stats.badPackets++;
      this.replyError(sock, rinfo, err);
      return;
    }
    const client: TftpClientInfo = {
      address: rinfo.address,
      port: rinfo.port,
      family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4',
    };
    if (req.op === 'RRQ') {
      const prior = this.reads.get(`${client.address}:${client.port}`);
      if (prior && prior.filename === req.filename && !prior.transfer?.heardFromClient) {
        // Probably the client retransmitting its RRQ. It may also be a UEFI re-request racing its own
        // ERROR 8 on the transfer socket, so decide after this poll phase has read that socket too.
        setImmediate(() => {
          if (this.socket !== sock) return; // stopped meanwhile
          if (this.reads.get(`${client.address}:${client.port}`) === prior && !prior.transfer?.heardFromClient) {
            this.stats.duplicateRequests++;
            this.log.debug({ client: `${client.address}:${client.port}`, file: req.filename }, 'repeated RRQ ignored');
            return;
          }
          this.serve(sock, rinfo, req, client);
        });
        return;
      }
    }
    this.serve(sock, rinfo, req, client);
  }

  private serve(sock: Socket, rinfo: RemoteInfo, req: RequestPacket, client: TftpClientInfo): void {
    const handle = req.op === 'RRQ' ? this.handleRead(req, client) : this.handleWrite(req, client);
    handle.catch((err) => {
      this.stats.refused++;
      const e = toTftpError(err);
      this.log.info(
        { client: `${client.address}:${client.port}`, file: req.filename, op: req.op, code: e.code },
        e.message,
      );
      this.replyError(sock, rinfo, err);
    });
  }

  private replyError(sock: Socket, rinfo: RemoteInfo, err: unknown): void {
    if (this.socket !== sock) return; // stopped while the request was being looked at
    const e = toTftpError(err);
    sock.send(encodePacket({ op: 'ERROR', code: e.code, message: e.message }), rinfo.port, rinfo.address, () => {});
  }

  private checkCapacity(): void {
    if (this.transfers.size >= this.opts.maxTransfers) throw refuse.busy();
  }

  private async open(path: string, client: TftpClientInfo): Promise<TftpFile> {
    if (this.rootOk && this.init.root !== undefined) {
      const f = await openInRoot(this.init.root, path);
      if (f) return f;
    }
    const f = this.init.provider ? await this.init.provider(path, client) : undefined;
    if (!f) throw refuse.notFound();
    return f;
  }

  private async transferSocket(client: TftpClientInfo): Promise<Socket> {
    const s = createSocket(isIPv6(this.opts.bind) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, this.opts.bind, () => {
        s.connect(client.port, client.address, () => {
          s.off('error', reject);
          resolve();
        });
      });
    });
    return s;
  }

  private async handleRead(req: RequestPacket, client: TftpClientInfo): Promise<void> {
    const key = `${client.address}:${client.port}`;
    const entry: ReadInProgress = { filename: req.filename };
    this.reads.set(key, entry);
    try {
      await this.read(req, client, entry);
    } finally {
      if (this.reads.get(key) === entry) this.reads.delete(key);
    }
  }

  private async read(req: RequestPacket, client: TftpClientInfo, entry: ReadInProgress): Promise<void> {
    this.checkCapacity();
    const path = checkRequestPath(req.filename);
    if (req.mode === 'mail') throw refuse.illegal('mail mode is not supported');
    const file = await this.open(path, client);
    const netascii = req.mode === 'netascii';
    let n: Negotiated;
    try {
      n = negotiate(req.options, {
        maxBlksize: this.blksizeCap,
        maxWindowsize: this.opts.maxWindowsize,
        fileSize: netascii ? undefined : file.size,
        isRead: true,
      });
    } catch (err) {
      file.stream.destroy(); // refused options: the file must not wait for the GC to be closed
      throw err;
    }
    if (
      !netascii &&
      file.fd !== undefined &&
      this.readEngine === 'native' &&
      (4 + n.blksize) * n.windowsize <= NATIVE_MAX_WINDOW_BYTES
    ) {
      await this.readNative(file as TftpFile & { fd: number }, n, path, client, entry);
      return;
    }
    let stream = file.stream;
    if (netascii) {
      const enc = new NetasciiEncoder();
      stream = file.stream.pipe(new Transform({ transform: (c, _e, cb) => cb(null, enc.push(c)) }));
      file.stream.on('error', (err) => stream.destroy(err));
      stream.on('close', () => file.stream.destroy()); // pipe() does not pass destroy back to the file
    }
    let sock: Socket;
    try {
      sock = await this.transferSocket(client);
    } catch (err) {
      file.stream.destroy();
      throw err;
    }
    const log = this.log.child({ client: `${client.address}:${client.port}`, file: path });
    const t = new ReadTransfer(
      sock,
      new BlockReader(stream, n.blksize),
      {
        blksize: n.blksize,
        windowsize: n.windowsize,
        timeoutMs: n.timeoutMs ?? this.opts.timeoutMs,
        maxRetries: this.opts.maxRetries,
        backoff: n.timeoutMs === undefined,
        oack: n.oack,
        tsizeRequested: n.tsizeRequested,
      },
      log,
    );
    this.transfers.add(t);
    entry.transfer = t;
    log.debug({ mode: req.mode, options: n.oack }, 'tftp read start');
    const t0 = performance.now();
    const outcome = await t.start();
    this.transfers.delete(t);
    this.record(outcome, log, performance.now() - t0, path, client);
  }

  private async readNative(
    file: TftpFile & { fd: number },
    n: Negotiated,
    path: string,
    client: TftpClientInfo,
    entry: ReadInProgress,
  ): Promise<void> {
    const log = this.log.child({ client: `${client.address}:${client.port}`, file: path });
    let t: NativeReadTransfer;
    try {
      t = new NativeReadTransfer({
        fd: file.fd,
        bind: isIP(this.opts.bind) ? this.opts.bind : (this.socket?.address().address ?? this.opts.bind),
        peer: client.address,
        port: client.port,
        blksize: n.blksize,
        windowsize: n.windowsize,
        timeoutMs: n.timeoutMs ?? this.opts.timeoutMs,
        maxRetries: this.opts.maxRetries,
        backoff: n.timeoutMs === undefined,
        oack: n.oack && Object.keys(n.oack).length > 0 ? encodePacket({ op: 'OACK', options: n.oack }) : undefined,
        tsizeRequested: n.tsizeRequested,
      });
    } finally {
      // the addon reads through its own dup of the fd
      file.stream.destroy();
    }
    this.stats.nativeReads++;
    this.transfers.add(t);
    entry.transfer = t;
    log.debug({ mode: 'octet', options: n.oack, engine: 'native' }, 'tftp read start');
    const t0 = performance.now();
    const outcome = await t.start();
    this.transfers.delete(t);
    this.record(outcome, log, performance.now() - t0, path, client);
  }

  private async handleWrite(req: RequestPacket, client: TftpClientInfo): Promise<void> {
    if (!this.opts.allowWrite || !this.rootOk || this.init.root === undefined) {
      throw refuse.access('Write requests are not accepted by this server');
    }
    this.checkCapacity();
    const path = checkRequestPath(req.filename);
    if (req.mode === 'mail') throw refuse.illegal('mail mode is not supported');
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
    const realDir = await resolveInRoot(this.init.root, dir).catch(() => {
      throw refuse.access('No such folder');
    });
    const target = join(realDir, path.slice(path.lastIndexOf('/') + 1));
    if (existsSync(target)) throw refuse.exists();
    const n = negotiate(req.options, {
      maxBlksize: this.blksizeCap,
      maxWindowsize: this.opts.maxWindowsize,
      isRead: false,
    });
    if (n.incomingSize !== undefined && n.incomingSize > this.opts.maxWriteBytes) {
      throw refuse.diskFull('Upload larger than this server accepts');
    }
    const sock = await this.transferSocket(client);
    const log = this.log.child({ client: `${client.address}:${client.port}`, file: path, op: 'WRQ' });
    const t = new WriteTransfer(
      sock,
      target,
      {
        blksize: n.blksize,
        windowsize: n.windowsize,
        timeoutMs: n.timeoutMs ?? this.opts.timeoutMs,
        maxRetries: this.opts.maxRetries,
        oack: n.oack,
        netascii: req.mode === 'netascii',
        maxBytes: this.opts.maxWriteBytes,
      },
      log,
    );
    this.transfers.add(t);
    const t0 = performance.now();
    const outcome = await t.start();
    this.transfers.delete(t);
    this.record(outcome, log, performance.now() - t0, path, client);
  }

  private record(outcome: TransferOutcome, log: Logger, ms: number, file: string, client: TftpClientInfo): void {
    const bus = this.init.events;
    if (bus && outcome.kind !== 'size-probe') {
      const node = this.init.nodeOfPeer?.(client.address);
      bus.publish({
        kind: 'tftp',
        ...(node ? { node } : {}),
        file,
        bytes: outcome.kind === 'complete' ? outcome.bytes : 0,
        ms: Math.round(ms * 1000) / 1000,
        peer: `${client.address}:${client.port}`,
        ...(outcome.kind === 'complete' ? {} : { error: transferError(outcome) }),
      });
    }
    switch (outcome.kind) {
      case 'complete':
        this.stats.completed++;
        log.info({ bytes: outcome.bytes, ms: Math.round(ms) }, 'tftp transfer complete');
        break;
      case 'size-probe':
        this.stats.sizeProbes++;
        log.debug('client ended the transfer after the tsize answer (UEFI size probe), as expected');
        break;
      default:
        this.stats.failed++;
        log.warn({ outcome }, 'tftp transfer did not complete');
    }
  }
}

function transferError(o: Exclude<TransferOutcome, { kind: 'complete' | 'size-probe' }>): string {
  if (o.kind === 'timeout') return 'timeout';
  return o.kind === 'client-error' ? `client error ${o.code}: ${o.message}` : o.message;
}
