import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { ImageCache, Logger, NodeDriver, SharedSettings, Telemetry } from '@bmc-emu/core';
import { createRedfishApp, type RedfishApp } from './app.js';
import type { RedfishSection } from './config-section.js';
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
}

/** The Redfish service on a socket: HTTPS by default (certificate kept under <stateDir>/tls), HTTP when asked. */
export class RedfishServer {
  private server: Server | undefined;
  private app: RedfishApp | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

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
    if (settings.tls) {
      const tls =
        settings.certFile && settings.keyFile
          ? {
              cert: await readFile(settings.certFile, 'utf8'),
              key: await readFile(settings.keyFile, 'utf8'),
            }
          : await ensureTls(shared.stateDir, host === '0.0.0.0' || host === '::' ? [] : [host]);
      this.server = createHttpsServer({ key: tls.key, cert: tls.cert }, this.app);
    } else {
      this.server = createHttpServer(this.app);
    }
    this.server.keepAliveTimeout = 5000;
    answerRedfishParserErrors(this.server);
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
