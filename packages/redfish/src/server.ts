import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { Config, Logger, NodeDriver, Telemetry } from '@bmc-emu/core';
import { createRedfishApp, type RedfishApp } from './app.js';
import type { ImageCache } from './media-insert.js';
import { ensureTls } from './tls.js';

export interface RedfishServerOptions {
  driver: NodeDriver;
  config: Readonly<Config>;
  logger: Logger;
  cache?: ImageCache;
  /** Override config.redfish.port (0 = pick a free port). */
  port?: number;
  /** Override config.bind. */
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
    const { config } = this.opts;
    const host = this.opts.host ?? config.bind;
    const h = host.includes(':') ? `[${host}]` : host;
    return `${config.redfish.tls ? 'https' : 'http'}://${h}:${this.boundPort}/redfish/v1`;
  }

  async start(): Promise<string> {
    const { config } = this.opts;
    const port = this.opts.port ?? config.redfish.port;
    const host = this.opts.host ?? config.bind;
    await mkdir(join(config.stateDir, 'redfish'), { recursive: true, mode: 0o700 });
    this.app = createRedfishApp({
      driver: this.opts.driver,
      config,
      logger: this.opts.logger,
      port,
      accountsFile: join(config.stateDir, 'redfish', 'accounts.json'),
      chassisFile: join(config.stateDir, 'redfish', 'chassis.json'),
      ...(this.opts.cache ? { cache: this.opts.cache } : {}),
      ...(this.opts.insertWaitMs !== undefined ? { insertWaitMs: this.opts.insertWaitMs } : {}),
      ...(this.opts.powerWaitMs !== undefined ? { powerWaitMs: this.opts.powerWaitMs } : {}),
      ...(this.opts.telemetry ? { telemetry: this.opts.telemetry } : {}),
    });
    if (config.redfish.tls) {
      const tls =
        config.redfish.certFile && config.redfish.keyFile
          ? {
              cert: await readFile(config.redfish.certFile, 'utf8'),
              key: await readFile(config.redfish.keyFile, 'utf8'),
            }
          : await ensureTls(config.stateDir, host === '0.0.0.0' || host === '::' ? [] : [host]);
      this.server = createHttpsServer({ key: tls.key, cert: tls.cert }, this.app);
    } else {
      this.server = createHttpServer(this.app);
    }
    this.server.keepAliveTimeout = 5000;
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
    await this.app?.redfish.accounts.flushed();
    await this.app?.redfish.chassis.flushed();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
