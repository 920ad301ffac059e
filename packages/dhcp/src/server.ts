import { execFile } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import {
  type BootPolicy,
  errors,
  type EventBus,
  type HostName,
  type Logger,
  type NameSource,
  silentLogger,
} from '@bmc-emu/core';
import { bindSocketToDevice } from './bind-device.js';
import { decodePacket, encodePacket } from './codec/packet.js';
import { dhcpErrorOutcome } from './error-outcome.js';
import { dhcpSection } from './config-section.js';
import { DhcpEngine, type DhcpEngineOptions, type Transaction } from './engine.js';
import { dhcpHostNames } from './host-name.js';
import { LeaseStore } from './lease-store.js';
import { publishTransaction } from './transaction-events.js';

const execFileP = promisify(execFile);
const SECTION_PORT = dhcpSection.parse({}).port;

export interface DhcpServerOptions extends Omit<DhcpEngineOptions, 'serverAddress' | 'bootPolicy'> {
  /** A policy, or a function of the server address resolved at start (for URLs that name this host). */
  bootPolicy?: BootPolicy | ((serverAddress: string) => BootPolicy);
  /** Our address; defaults to the first IPv4 address of `interface`. */
  serverAddress?: string;
  /** Serve this interface only (SO_BINDTODEVICE through the native addon). */
  interface?: string;
  /** Address the socket binds; 0.0.0.0 is needed to hear broadcasts. Default 0.0.0.0. */
  bindAddress?: string;
  port?: number;
  clientPort?: number;
  /** PXE REQUESTs on this port (PXE spec: 4011) get boot information in both modes; false turns it off. */
  proxyPort?: number | false;
  /** Lease file; leases stay in memory only when absent. */
  leaseFile?: string;
  logger?: Logger;
  /** The rack event stream each transaction is published to (request and answer). */
  events?: EventBus | undefined;
  /** The node id of a MAC, where the driver knows it (names the events). */
  nodeOfMac?: ((mac: string) => string | undefined) | undefined;
}

export interface DhcpCounters {
  received: number;
  decodeErrors: number;
  ignored: number;
  offers: number;
  acks: number;
  naks: number;
  declines: number;
  releases: number;
  sent: number;
  sendErrors: number;
  internalErrors: number;
  byType: Record<string, number>;
}

/**
 * The interface's first IPv4 address. libuv lists only interfaces that are up *and* running, and a bridge
 * with no port up yet (no VM started) is not running, so fall back to iproute2.
 */
async function firstAddress(ifname: string): Promise<string | undefined> {
  const listed = networkInterfaces()[ifname]?.find((a) => a.family === 'IPv4')?.address;
  if (listed) return listed;
  try {
    const { stdout } = await execFileP('ip', ['-j', '-4', 'addr', 'show', 'dev', ifname], { timeout: 5000 });
    const parsed = JSON.parse(stdout) as Array<{ addr_info?: Array<{ family?: string; local?: string }> }>;
    return parsed[0]?.addr_info?.find((a) => a.family === 'inet')?.local;
  } catch {
    return undefined;
  }
}

/** A DHCPv4 server on one interface: sockets and persistence around the pure DhcpEngine. */
export class DhcpServer implements NameSource {
  readonly leases: LeaseStore;
  readonly counters: DhcpCounters = {
    received: 0,
    decodeErrors: 0,
    ignored: 0,
    offers: 0,
    acks: 0,
    naks: 0,
    declines: 0,
    releases: 0,
    sent: 0,
    sendErrors: 0,
    internalErrors: 0,
    byType: {},
  };
  private readonly log: Logger;
  private engine: DhcpEngine | undefined;
  private sockets: Socket[] = [];
  private broadcastSocket: Socket | undefined;
  private unicastSocket: Socket | undefined;
  private serverAddress = '';

  constructor(private readonly opts: DhcpServerOptions) {
    this.log = (opts.logger ?? silentLogger()).child({ interface: opts.interface ?? '*' });
    this.leases = new LeaseStore(opts.leaseFile);
  }

  get address(): string {
    return this.serverAddress;
  }

  /** NameSource: changes with the leases. */
  get version(): number {
    return this.leases.version;
  }

  /** NameSource: reserved and client-sent host names with their addresses (for DNS). */
  hosts(now = Date.now()): HostName[] {
    const reservations = [
      ...(this.opts.reservations ?? []),
      ...(this.opts.subnets ?? []).flatMap((s) => s.reservations ?? []),
    ];
    return dhcpHostNames(reservations, this.leases.all(), now);
  }

  /** Resolves to one line per socket, e.g. "dhcp 0.0.0.0:67 on br0 (server 172.30.0.1)". */
  async start(): Promise<string[]> {
    const o = this.opts;
    const addr = o.serverAddress ?? (o.interface ? await firstAddress(o.interface) : undefined);
    if (!addr) {
      throw errors.invalidArgument(
        `DHCP needs a server address: set dhcp.serverAddress or give interface "${o.interface ?? ''}" an IPv4 address.`,
      );
    }
    if (o.mode === 'server' && !o.subnet && !o.subnets?.length) {
      throw errors.invalidArgument('DHCP server mode needs dhcp.subnet (CIDR) or dhcp.subnets.');
    }
    this.serverAddress = addr;
    const loaded = await this.leases.load();
    const { bootPolicy, ...rest } = o;
    const policy = typeof bootPolicy === 'function' ? bootPolicy(addr) : bootPolicy;
    this.engine = new DhcpEngine(
      { ...rest, serverAddress: addr, ...(policy ? { bootPolicy: policy } : {}) },
      this.leases,
    );
    const bindAddress = o.bindAddress ?? '0.0.0.0';
    const port = o.port ?? SECTION_PORT;
    const lines: string[] = [];
    const where = (s: Socket) => `${s.address().address}:${s.address().port}`;
    const on = `on ${o.interface ?? 'all interfaces'} (server ${addr})`;
    try {
      this.broadcastSocket = await this.open(bindAddress, port, false);
      lines.push(`dhcp ${o.mode} ${where(this.broadcastSocket)} ${on}`);
      if (bindAddress === '0.0.0.0') {
        // Unicast replies (renewals, INFORM, relays) wait for ARP; a second socket keeps them from holding up
        // the broadcast replies new clients are waiting for. It also receives the unicasts sent to us.
        this.unicastSocket = await this.open(addr, port, false).catch((err) => {
          this.log.warn({ err: (err as Error).message }, `no unicast socket on ${addr}:${port}; unicasts share one`);
          return undefined;
        });
      }
      if (o.proxyPort !== false) {
        // PXE boot-server port: proxy-mode clients and UEFI firmware that re-ask a "BINL" server come here
        const pxePort = o.proxyPort ?? 4011;
        const s = await this.open(addr, pxePort, true).catch((err) => {
          if (o.mode === 'proxy') throw err;
          this.log.warn({ err: (err as Error).message }, `not answering PXE on ${addr}:${pxePort}`);
          return undefined;
        });
        if (s) lines.push(`dhcp pxe ${where(s)} ${on}`);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.info({ leases: loaded, mode: o.mode, serverAddress: addr }, 'dhcp started');
    return lines;
  }

  async stop(): Promise<void> {
    const sockets = this.sockets;
    this.sockets = [];
    this.broadcastSocket = undefined;
    this.unicastSocket = undefined;
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await this.leases.close();
  }

  private open(address: string, port: number, proxyPort: boolean): Promise<Socket> {
    const o = this.opts;
    return new Promise((resolve, reject) => {
      // a burst of PXE clients powering on together must not overflow the default ~200 KiB buffer
      const socket = createSocket({
        type: 'udp4',
        reuseAddr: true,
        recvBufferSize: 4 * 1024 * 1024,
        sendBufferSize: 4 * 1024 * 1024,
      });
      const failed = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', failed);
      socket.bind(port, address, () => {
        try {
          socket.setBroadcast(true);
          if (o.interface) bindSocketToDevice(socket, o.interface);
        } catch (err) {
          socket.close();
          reject(err);
          return;
        }
        socket.off('error', failed);
        socket.on('error', (err) => this.log.error({ err }, 'dhcp socket error'));
        socket.on('message', (msg, rinfo) => this.onMessage(socket, msg, rinfo, proxyPort));
        this.sockets.push(socket);
        resolve(socket);
      });
    });
  }

  private onMessage(socket: Socket, msg: Buffer, rinfo: RemoteInfo, proxyPort: boolean): void {
    this.counters.received++;
    let tx: Transaction;
    try {
      const req = decodePacket(msg);
      tx = this.engine!.handle(req, Date.now(), proxyPort);
    } catch (err) {
      const outcome = dhcpErrorOutcome(err);
      this.counters[outcome.counter]++;
      if (outcome.level === 'debug') {
        this.log.debug({ from: `${rinfo.address}:${rinfo.port}`, err: (err as Error).message }, 'dhcp bad packet');
      } else {
        this.log.error({ err }, 'dhcp request failed');
      }
      return;
    }
    this.count(tx);
    if (this.opts.events) publishTransaction(this.opts.events, tx, this.opts.nodeOfMac?.(tx.mac));
    const entry = {
      xid: `0x${tx.xid.toString(16).padStart(8, '0')}`,
      mac: tx.mac,
      type: tx.type,
      arch: tx.arch,
      subnet: tx.subnet,
      relay: tx.relay,
    };
    if (tx.outcome.startsWith('ignored')) this.log.debug(entry, tx.outcome);
    else this.log.info(entry, tx.outcome);
    const reply = tx.reply;
    if (!reply && !tx.persist) return;
    const send = () => {
      if (!reply) return;
      let bytes: Buffer;
      try {
        bytes = encodePacket(reply.packet, reply.maxSize !== undefined ? { maxSize: reply.maxSize } : {});
      } catch (err) {
        this.counters.internalErrors++;
        this.log.error({ err, ...entry }, 'dhcp reply does not encode');
        return;
      }
      const to = proxyPort ? { address: rinfo.address, port: rinfo.port } : this.destination(reply.address, reply.port);
      const out = proxyPort
        ? socket
        : to.address === '255.255.255.255'
          ? this.broadcastSocket!
          : (this.unicastSocket ?? this.broadcastSocket!);
      out.send(bytes, to.port, to.address, (err) => {
        if (err) {
          this.counters.sendErrors++;
          this.log.warn({ err, ...entry }, 'dhcp send failed');
        } else this.counters.sent++;
      });
    };
    if (tx.persist) {
      this.leases.commit().then(send, (err) => {
        this.counters.internalErrors++;
        this.log.error({ err, ...entry }, 'lease file write failed; reply withheld');
      });
    } else send();
  }

  /** Leases held (offered or bound, unexpired) and addresses left, per subnet's dynamic range. */
  leaseUsage(now = Date.now()): Array<{ subnet: string; active: number; free: number }> {
    const held = this.leases.all().filter((l) => (l.state === 'offered' || l.state === 'bound') && l.expiresAt > now);
    return (this.engine?.subnets ?? []).map((s) => {
      const active = held.filter((l) => s.pool.inRange(l.ip)).length;
      return { subnet: s.cidr, active, free: s.pool.size - active };
    });
  }

  private destination(address: string, port: number): { address: string; port: number } {
    const clientPort = this.opts.clientPort ?? 68;
    return { address, port: port === 68 ? clientPort : port };
  }

  private count(tx: Transaction): void {
    const c = this.counters;
    c.byType[tx.type] = (c.byType[tx.type] ?? 0) + 1;
    const o = tx.outcome;
    if (o.startsWith('ignored')) c.ignored++;
    else if (o.startsWith('OFFER') || o.startsWith('proxy OFFER')) c.offers++;
    else if (o.startsWith('ACK') || o.startsWith('proxy ACK')) c.acks++;
    else if (o.startsWith('NAK')) c.naks++;
    else if (o.startsWith('DECLINE')) c.declines++;
    else if (o.startsWith('RELEASE')) c.releases++;
  }
}
