import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { BmcDirectory, EventBus, ImageCache, Logger, NodeDriver, SharedSettings, Telemetry } from '@bmc-emu/core';
import type { PasswordFile } from './accounts.js';
import { createRedfishApp, type RedfishApp } from './app.js';
import type { RedfishSection } from './config-section.js';
import { mountFor, type PrefixHandler, type RedfishMount, mountServices } from './mounts.js';
import { answerRedfishParserErrors } from './parser-errors.js';
import { ensureTls } from './tls.js';

export interface RedfishServerOptions {
  driver: NodeDriver;
  /** The parsed redfish section. */
  settings: RedfishSection;
  /** bind, the admin account, stateDir. */
  shared: SharedSettings;
  logger: Logger;
  cache?: ImageCache;
  /** Override settings.port (0 = pick a free port). */
  port?: number;
  /** Override shared.bind. */
  host?: string;
  insertWaitMs?: number;
  powerWaitMs?: number;
  /** Sensors and SEL shared with IPMI (front end: from acquireTelemetryFor). */
  telemetry?: Telemetry;
  /** Handlers served on this listener under a path prefix (the web console), with its accounts and TLS. */
  mounts?: RedfishMount[];
  /** The rack event stream requests are published to. */
  bus?: EventBus;
  /** Registered BMCs: per-node accounts, each seeing only its own node. */
  directory?: BmcDirectory;
  /** Administrator accounts from redfish.htpasswdFile. */
  passwordFile?: PasswordFile;
}

/** The Redfish service on a socket: HTTPS by default (certificate kept under <stateDir>/tls), HTTP when asked. */
export class RedfishServer {
  private server: Server | undefined;
  private app: RedfishApp | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private mounted: Array<{ prefix: string; handler: PrefixHandler }> = [];

  constructor(private readonly opts: RedfishServerOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.opts.host ?? this.opts.shared.bind;
    const h = host.includes(':') ? `[${host}]` : host;
    return `${this.opts.settings.tls ? 'https' : 'http'}://${h}:${this.boundPort}/redfish/v1`;
  }

  async start(): Promise<string> {
    const { settings, shared } = this.opts;
    const port = this.opts.port ?? settings.port;
    const host = this.opts.host ?? shared.bind;
    await mkdir(join(shared.stateDir, 'redfish'), { recursive: true, mode: 0o700 });
    this.app = createRedfishApp({
      ...this.opts,
      port,
      accountsFile: join(shared.stateDir, 'redfish', 'accounts.json'),
      chassisFile: join(shared.stateDir, 'redfish', 'chassis.json'),
    });
    const app = this.app;
    const services = mountServices(app.redfish);
    this.mounted = (this.opts.mounts ?? []).map((m) => ({ prefix: m.prefix, handler: m.attach(services) }));
    const mounted = this.mounted;
    const listener = mounted.length
      ? (req: IncomingMessage, res: ServerResponse) => {
          const m = mountFor(mounted, req.url);
          if (m) m.handler.request(req, res);
          else app(req, res);
        }
      : app;
    if (settings.tls) {
      const tls =
        settings.certFile && settings.keyFile
          ? {
              cert: await readFile(settings.certFile, 'utf8'),
              key: await readFile(settings.keyFile, 'utf8'),
            }
          : await ensureTls(shared.stateDir, host === '0.0.0.0' || host === '::' ? [] : [host]);
      this.server = createHttpsServer({ key: tls.key, cert: tls.cert }, listener);
    } else {
      this.server = createHttpServer(listener);
    }
    this.server.keepAliveTimeout = 5000;
    answerRedfishParserErrors(this.server);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const m = mountFor(mounted, req.url);
      if (m?.handler.upgrade) m.handler.upgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.app.redfish.port = this.boundPort;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const m of this.mounted.splice(0)) await m.handler.close?.();
    this.app?.shutdown();
    await this.app?.redfish.accounts.flush();
    await this.app?.redfish.chassis.flush();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
