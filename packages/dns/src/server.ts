import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server as TcpServer, type Socket } from 'node:net';
import { errors, type Logger, type NameSource, silentLogger } from '@bmc-emu/core';
import type { Authority } from './authority.js';
import type { DnsConfig } from './config.js';
import { type Outcome, Responder, type Transport } from './responder.js';
import { TcpFramer } from './tcp-framing.js';
import { parseUpstream } from './upstream.js';
import { buildAuthority } from './zone-data.js';

export interface DnsServerOptions {
  config: DnsConfig;
  /** Addresses to serve on (already resolved from interfaces). */
  addresses: readonly string[];
  /** DHCP names, when DHCP runs in this process. */
  names?: NameSource;
  /** Zone the DHCP names go into. */
  hostsDomain?: string;
  logger?: Logger;
}

export interface DnsCounters {
  received: number;
  answered: number;
  silent: number;
  errors: number;
  forwarded: number;
  truncated: number;
  dropped: number;
  tcpConnections: number;
}

/** Rebuild the zone data at least this often, so expired leases drop out without a DHCP change. */
const REBUILD_MS = 5000;
/** Queries being answered at once (forwarding waits on upstreams); past this, UDP queries are dropped. */
const MAX_IN_FLIGHT = 1024;
/** Queries one TCP connection may have waiting before we stop reading from it. */
const MAX_TCP_QUEUE = 64;

export class DnsServer {
  readonly counters: DnsCounters = {
    received: 0,
    answered: 0,
    silent: 0,
    errors: 0,
    forwarded: 0,
    truncated: 0,
    dropped: 0,
    tcpConnections: 0,
  };
  private readonly log: Logger;
  private readonly responder: Responder;
  private readonly serial = Math.floor(Date.now() / 1000);
  private current: Authority | undefined;
  private builtVersion = -1;
  private builtAt = 0;
  private inFlight = 0;
  private udp: UdpSocket[] = [];
  private tcp: TcpServer[] = [];
  private readonly connections = new Set<Socket>();

  constructor(private readonly opts: DnsServerOptions) {
    this.log = (opts.logger ?? silentLogger()).child({ component: 'dns' });
    this.responder = new Responder({
      authority: () => this.authority(),
      upstreams: opts.config.upstreams.map(parseUpstream),
      upstreamTimeoutMs: opts.config.upstreamTimeoutMs,
      ednsUdpSize: opts.config.ednsUdpSize,
      logger: this.log,
    });
  }

  /** The zone data, rebuilt when the DHCP names changed or every few seconds. */
  authority(now = Date.now()): Authority {
    const version = this.opts.names?.version ?? 0;
    if (!this.current || version !== this.builtVersion || now - this.builtAt > REBUILD_MS) {
      this.current = buildAuthority({
        config: this.opts.config,
        hosts: this.opts.names?.hosts(now) ?? [],
        hostsDomain: this.opts.hostsDomain,
        listenAddresses: this.opts.addresses,
        serial: this.serial,
      });
      this.builtVersion = version;
      this.builtAt = now;
    }
    return this.current;
  }

  /** Resolves to one line per address, e.g. "dns udp+tcp 172.30.0.1:53 (zones ocp.lab.test, ...)". */
  async start(): Promise<string[]> {
    let port = this.opts.config.port;
    const self = this.opts.config.upstreams
      .map(parseUpstream)
      .find((u) => u.port === port && this.opts.addresses.includes(u.address));
    if (self) {
      throw errors.invalidArgument(
        `DNS upstream ${self.address}:${self.port} is this server: forwarding would loop. Point dns.upstreams elsewhere.`,
      );
    }
    const zones = this.authority().zoneApexes.filter((z) => !z.endsWith('.arpa'));
    const lines: string[] = [];
    try {
      for (const address of this.opts.addresses) {
        const udp = await this.openUdp(address, port);
        const bound = udp.address().port;
        port = bound; // port 0: the first address's pick, for every address
        await this.openTcp(address, bound);
        const host = isIPv6(address) ? `[${address}]` : address;
        lines.push(
          `dns udp+tcp ${host}:${bound} (zones ${zones.join(', ') || 'none'}; ${this.opts.config.upstreams.length ? `forwarding to ${this.opts.config.upstreams.join(', ')}` : 'no upstreams: other names REFUSED'})`,
        );
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.info({ addresses: this.opts.addresses, port, zones }, 'dns started');
    return lines;
  }

  /** The UDP port actually bound on the first address (port 0 in tests picks one). */
  get port(): number {
    return this.udp[0]?.address().port ?? this.opts.config.port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = [];
    this.tcp = [];
    await Promise.all([
      ...udp.map((s) => new Promise<void>((r) => s.close(() => r()))),
      ...tcp.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
  }

  private openUdp(address: string, port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.log.error({ err }, 'dns udp socket error'));
        socket.on('message', (msg, rinfo) => this.onUdp(socket, msg, rinfo));
        this.udp.push(socket);
        resolve(socket);
      });
    });
  }

  private openTcp(address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((sock) => this.onTcp(sock));
      server.maxConnections = this.opts.config.maxTcpConnections;
      server.once('error', reject);
      server.listen({ port, host: address, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error({ err }, 'dns tcp server error'));
        this.tcp.push(server);
        resolve();
      });
    });
  }

  private async handle(msg: Buffer, transport: Transport, from: string): Promise<Outcome> {
    this.counters.received++;
    this.inFlight++;
    try {
      const out = await this.responder.respond(msg, transport);
      if (!out.bytes) this.counters.silent++;
      else this.counters.answered++;
      if (out.outcome.startsWith('forward')) this.counters.forwarded++;
      if (out.truncated) this.counters.truncated++;
      this.log.debug({ from, transport, outcome: out.outcome }, 'dns query');
      return out;
    } catch (err) {
      // a bug must cost one answer, not the server
      this.counters.errors++;
      this.log.error({ err, from }, 'dns query failed');
      return { outcome: 'internal error' };
    } finally {
      this.inFlight--;
    }
  }

  private onUdp(socket: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.counters.dropped++;
      return;
    }
    void this.handle(msg, 'udp', `${rinfo.address}:${rinfo.port}`).then((out) => {
      if (out.bytes && this.udp.includes(socket)) {
        socket.send(out.bytes, rinfo.port, rinfo.address, (err) => {
          if (err) this.log.debug({ err: err.message }, 'dns udp send failed');
        });
      }
    });
  }

  private onTcp(sock: Socket): void {
    this.counters.tcpConnections++;
    this.connections.add(sock);
    const framer = new TcpFramer();
    const from = `${sock.remoteAddress}:${sock.remotePort}`;
    // several queries per connection, answered in order; the connection closes after an idle spell
    let chain = Promise.resolve();
    let queued = 0;
    sock.setTimeout(this.opts.config.tcpIdleTimeoutMs, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.connections.delete(sock));
    sock.on('data', (chunk) => {
      for (const msg of framer.push(chunk)) {
        // a client pipelining faster than we answer waits for its queue to drain (TCP flow control)
        if (++queued === MAX_TCP_QUEUE) sock.pause();
        chain = chain.then(async () => {
          const out = await this.handle(msg, 'tcp', from);
          if (out.bytes && !sock.destroyed) sock.write(TcpFramer.frame(out.bytes));
          if (queued-- === MAX_TCP_QUEUE && !sock.destroyed) sock.resume();
        });
      }
    });
  }
}
