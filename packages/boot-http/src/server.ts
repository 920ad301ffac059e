/**
 * The boot HTTP server: iPXE scripts per node, static boot assets, iPXE binaries, ignition per role/host and
 * the introspection endpoint. Node data comes from the NodeDriver; boot settings from the http config.
 *
 *   GET  /boot.ipxe                  chain to the per-MAC script (what BootPolicy hands iPXE clients)
 *   GET  /boot/<mac>.ipxe?uuid=      the node's script (kernel, initrds, args) or `exit` when unknown
 *   GET  /files/<path>               static assets under root (Range, HEAD, ETag, Last-Modified)
 *   GET  /ipxe/<file>                iPXE binaries (UEFI HTTP boot)
 *   GET  /media/<sha256>             a virtual-media image of the shared cache (Range, HEAD, ETag)
 *   GET  /ignition/<mac|uuid|name|role>
 *   POST /introspection              ghw JSON in; stored; answered with the node's role ignition
 *   GET  /introspection/<mac>        the stored report
 */
import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  BmcEmuError,
  errors,
  type ImageCache,
  type Logger,
  type Node,
  type NodeDriver,
  normalizeMac,
  silentLogger,
} from '@bmc-emu/core';
import { bootHttpStatusFor } from './error-status.js';
import { answerParserErrors, guardListener, HttpError, readBody, sendAnswer, splitTarget } from '@bmc-emu/http-kit';
import { parseHardwareReport } from './codec/ghw.js';
import { chainByMacScript, noBootScript, nodeBootScript, sanitizeEcho } from './codec/ipxe-script.js';
import { renderTemplate } from './codec/template.js';
import { cachedMedia, mediaKey } from './media-route.js';
import { findNode } from './node-lookup.js';
import type { IntrospectionSection } from './config-section.js';
import { bearerAllowed } from './bearer.js';
import { type BootProfile, type HttpConfig, ProfileTable } from './profiles.js';
import { ReportStore } from './report-store.js';
import { resolveUnder } from './safe-path.js';
import type { BodyEngine } from './send-body.js';
import { sendfileBinding, sendfileLoadError } from './sendfile-native.js';
import { sendFile, type SendFileOptions } from './static-file.js';

export interface BootHttpServerOptions {
  driver: NodeDriver;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Static assets folder (served under /files/). */
  root: string;
  ignitionDir?: string;
  ipxeDir?: string;
  templatesDir?: string;
  /** Where introspection reports are stored; in memory only when absent. */
  stateDir?: string;
  /** Base URL written into scripts; by default taken from the request's Host header. */
  publicUrl?: string;
  roles?: HttpConfig['roles'];
  nodes?: HttpConfig['nodes'];
  defaultRole?: string;
  logger?: Logger;
  /** The shared virtual-media cache, served under /media/<sha256>. */
  mediaCache?: ImageCache | undefined;
  /** Who may POST hardware reports and how many are kept (the `http.introspection` defaults when absent). */
  introspection?: Partial<IntrospectionSection>;
  /** Send file bodies with sendfile(2) when the addon is built (default true); false always streams. */
  sendfile?: boolean;
  /** Handlers tried before the routes (e.g. `GET /metrics`); one returning true has answered the request. */
  extraHandlers?: ReadonlyArray<ExtraHandler>;
}

export type ExtraHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface AccessLogEntry {
  ip: string;
  mac?: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
}

interface RequestCtx {
  mac?: string;
  bytes: number;
}

const MAX_REPORT_BYTES = 4 * 1024 * 1024;
const MAX_IP_MEMORY = 10_000;

export class BootHttpServer extends EventEmitter<{ access: [AccessLogEntry] }> {
  private server?: Server;
  private readonly logger: Logger;
  private readonly profiles: ProfileTable;
  /** Client IP -> MAC, learnt from script requests, so later asset requests are logged with their MAC. */
  private readonly macByIp = new Map<string, string>();
  private readonly reports: ReportStore;
  private readonly intro: IntrospectionSection;
  /** File bodies sent so far, per engine (a sendfile attempt that fell back counts as 'stream'). */
  readonly bodies: Record<BodyEngine, number> = { sendfile: 0, stream: 0 };

  constructor(private readonly opts: BootHttpServerOptions) {
    super();
    this.logger = opts.logger ?? silentLogger();
    this.profiles = new ProfileTable({
      roles: opts.roles ?? {},
      nodes: opts.nodes ?? {},
      defaultRole: opts.defaultRole,
    });
    this.intro = {
      acceptUnknown: opts.introspection?.acceptUnknown ?? false,
      token: opts.introspection?.token,
      maxReports: opts.introspection?.maxReports ?? 1024,
      maxBytes: opts.introspection?.maxBytes ?? 256 * 1024 * 1024,
    };
    this.reports = new ReportStore({
      dir: opts.stateDir && join(opts.stateDir, 'introspection'),
      maxReports: this.intro.maxReports,
      maxBytes: this.intro.maxBytes,
      logger: this.logger,
    });
  }

  /** How file bodies go out: 'sendfile' when enabled and the addon loaded, else 'stream'. */
  get bodyEngine(): BodyEngine {
    return this.opts.sendfile !== false && sendfileBinding() ? 'sendfile' : 'stream';
  }

  async start(): Promise<string> {
    await this.reports.load();
    if (this.opts.sendfile !== false && !sendfileBinding()) {
      this.logger.warn(
        { reason: sendfileLoadError() },
        'boot-http: the sendfile addon did not load, so file bodies are streamed (more CPU per byte, slower on one client: docs/boot-http.md); `npm rebuild @bmc-emu/boot-http` needs python3, make and a C compiler',
      );
    }
    const server = createServer(
      guardListener((req, res) => this.handle(req, res), {
        report: (err, req) =>
          this.logger.error({ err, method: req.method, url: req.url }, 'boot-http: request crashed'),
        answer: () => ({ status: 500, contentType: TEXT, body: 'internal error\n' }),
      }),
    );
    server.keepAliveTimeout = 10_000;
    // requests node's parser refuses (bad method, header bytes, lengths) get a plain-text reason, not a bare 400
    answerParserErrors(server, (r) => ({ contentType: TEXT, body: `${r.message}\n` }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return this.url;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.opts.port;
  }

  get url(): string {
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `http://${host}:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** The hardware report stored for a MAC, if any. */
  report(mac: string): unknown {
    return this.reports.get(mac);
  }

  /** How many reports are kept and their total size. */
  get reportUsage(): { count: number; bytes: number } {
    return { count: this.reports.size, bytes: this.reports.totalBytes };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const ctx: RequestCtx = { mac: this.macByIp.get(ip), bytes: 0 };
    const { path, rawQuery, originalUrl: rawUrl } = splitTarget(req.url);
    const query = new URLSearchParams(rawQuery);
    res.once('close', () => {
      const entry: AccessLogEntry = {
        ip,
        mac: ctx.mac,
        method: req.method ?? '?',
        path: rawUrl.slice(0, 512),
        status: res.statusCode,
        bytes: ctx.bytes,
        ms: Math.round(performance.now() - started),
      };
      this.logger.info(entry, 'boot-http request');
      this.emit('access', entry);
    });
    try {
      await this.route(req, res, path, query, ctx, ip);
    } catch (err) {
      this.sendError(req, res, ctx, err);
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    ctx: RequestCtx,
    ip: string,
  ): Promise<void> {
    for (const h of this.opts.extraHandlers ?? []) if (h(req, res)) return;
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/introspection') return this.introspect(req, res, ctx);
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD, POST');
      throw new HttpError(405, `method ${method} not allowed`);
    }
    if (path === '/boot.ipxe') return this.text(req, res, ctx, chainByMacScript(this.baseUrl(req)));
    if (path === '/healthz') return this.text(req, res, ctx, 'ok\n');
    let m = /^\/boot\/([0-9A-Fa-f]{2}(?:[-:]?[0-9A-Fa-f]{2}){5})\.ipxe$/.exec(path);
    if (m?.[1]) {
      const mac = normalizeMac(m[1]);
      ctx.mac = mac;
      this.rememberIp(ip, mac);
      return this.text(req, res, ctx, await this.nodeScript(req, mac, query.get('uuid') ?? undefined));
    }
    if (path.startsWith('/files/')) return this.file(req, res, ctx, this.opts.root, path.slice('/files/'.length));
    if (path.startsWith('/ipxe/') && this.opts.ipxeDir) {
      return this.file(req, res, ctx, this.opts.ipxeDir, path.slice('/ipxe/'.length));
    }
    const sha256 = mediaKey(path);
    if (sha256 !== undefined && this.opts.mediaCache) return this.media(req, res, ctx, this.opts.mediaCache, sha256);
    m = /^\/ignition\/([^/]+)$/.exec(path);
    if (m?.[1]) return this.ignition(req, res, ctx, m[1]);
    m = /^\/introspection\/([^/]+)$/.exec(path);
    if (m?.[1]) {
      this.authorize(req, res);
      const mac = normalizeMacOr404(m[1]);
      const stored = this.reports.get(mac);
      if (stored === undefined) throw new HttpError(404, `no hardware report for ${mac}`);
      return this.text(req, res, ctx, JSON.stringify(stored), 'application/json');
    }
    throw new HttpError(404, 'not found');
  }

  private async nodeScript(req: IncomingMessage, mac: string, uuid: string | undefined): Promise<string> {
    const node = await findNode(this.opts.driver, {
      mac,
      uuid: uuid && /^[0-9a-f-]{32,36}$/i.test(uuid) ? uuid : undefined,
    });
    const { role, profile, configured } = this.profiles.resolve(mac, node);
    if (!configured) return noBootScript(`no boot settings for ${mac}`);
    const base = this.baseUrl(req);
    const label = node?.name ?? mac;
    const args = this.kernelArgs(profile, base, mac);
    const vars = {
      mac,
      uuid: node?.id ?? '',
      name: node?.name ?? '',
      role: role ?? '',
      baseUrl: base,
      kernel: profile.kernel ? this.assetUrl(profile.kernel, base) : '',
      initrd: (profile.initrd ?? []).map((i) => this.assetUrl(i, base)).join(' '),
      args: args.join(' '),
      ignitionUrl: `${base}/ignition/${mac.replaceAll(':', '-')}`,
    };
    if (profile.template) {
      if (!this.opts.templatesDir) throw errors.invalidArgument('a template is named but http.templatesDir is not set');
      const found = await resolveUnder(this.opts.templatesDir, encodeURIComponent(profile.template));
      if (!found.ok) throw errors.invalidArgument(`iPXE template ${profile.template} not found in templatesDir`);
      return renderTemplate(await readFile(found.path, 'utf8'), vars);
    }
    if (!profile.kernel) return noBootScript(`${sanitizeEcho(label)} has no kernel configured`);
    return nodeBootScript({
      label: sanitizeEcho(role ? `${label} as ${role}` : label),
      kernelUrl: vars.kernel,
      initrdUrls: (profile.initrd ?? []).map((i) => this.assetUrl(i, base)),
      args,
    });
  }

  private kernelArgs(p: BootProfile, base: string, mac: string): string[] {
    const args: string[] = [];
    const ignitionUrl = `${base}/ignition/${mac.replaceAll(':', '-')}`;
    if (p.installDev) args.push(`coreos.inst.install_dev=${p.installDev}`);
    if (p.rootfs) args.push(`coreos.live.rootfs_url=${this.assetUrl(p.rootfs, base)}`);
    if (p.ignition === 'live')
      args.push('ignition.firstboot', 'ignition.platform.id=metal', `ignition.config.url=${ignitionUrl}`);
    if (p.ignition === 'install') args.push(`coreos.inst.ignition_url=${ignitionUrl}`);
    args.push(...(p.args ?? []));
    return args.map((a) => a.replace(/[\r\n]/g, ' '));
  }

  private assetUrl(ref: string, base: string): string {
    if (/^https?:\/\//i.test(ref)) return ref;
    return `${base}/files/${ref.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
  }

  private baseUrl(req: IncomingMessage): string {
    if (this.opts.publicUrl) return this.opts.publicUrl.replace(/\/$/, '');
    const host = req.headers.host;
    if (host && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host)) return `http://${host}`;
    return this.url;
  }

  private sendOptions(contentType?: string): SendFileOptions {
    return { contentType, engine: this.bodyEngine, onBody: (e) => this.bodies[e]++ };
  }

  private async file(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestCtx,
    root: string,
    rel: string,
  ): Promise<void> {
    const found = await resolveUnder(root, rel);
    if (!found.ok) throw new HttpError(found.reason === 'forbidden' ? 403 : 404, found.reason);
    await sendFile(req, res, found.path, found.stat, ctx, this.sendOptions());
  }

  private async media(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestCtx,
    cache: ImageCache,
    sha256: string,
  ): Promise<void> {
    const found = await cachedMedia(cache, sha256);
    if (!found) throw new HttpError(404, `no cached image ${sha256}`);
    await sendFile(req, res, found.path, found.stat, ctx, this.sendOptions('application/octet-stream'));
  }

  /** Per-host file first (<mac>.ign, <name>.ign, <uuid>.ign), then the role's (<role>.ign). */
  private async ignitionFile(
    key: string,
    node: Node | undefined,
    mac: string | undefined,
  ): Promise<{ path: string; stat: Stats } | undefined> {
    const dir = this.opts.ignitionDir;
    if (!dir) return undefined;
    const { role, configured } = this.profiles.resolve(mac, node);
    // a key that is neither a known MAC nor a node is a role or file name: /ignition/master
    const names =
      mac || node ? [mac?.replaceAll(':', '-'), mac, node?.name, node?.id, configured ? role : undefined] : [key];
    for (const n of names) {
      if (!n) continue;
      const found = await resolveUnder(dir, encodeURIComponent(`${n}.ign`));
      if (found.ok) return found;
    }
    return undefined;
  }

  private async ignition(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, key: string): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(key);
    } catch {
      throw new HttpError(400, 'bad ignition key');
    }
    if (/[/\\\0]|\.\./.test(decoded)) throw new HttpError(403, 'forbidden');
    let mac: string | undefined;
    try {
      mac = normalizeMac(decoded);
    } catch {
      mac = undefined;
    }
    const node = await findNode(this.opts.driver, { mac, uuid: decoded, name: decoded });
    if (mac) ctx.mac = mac;
    else if (node?.nics[0]) ctx.mac = node.nics[0].mac;
    const found = await this.ignitionFile(decoded, node, mac ?? node?.nics[0]?.mac);
    if (!found) throw new HttpError(404, `no ignition for ${decoded}`);
    await sendFile(req, res, found.path, found.stat, ctx, this.sendOptions('application/vnd.coreos.ignition+json'));
  }

  private async introspect(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): Promise<void> {
    this.authorize(req, res);
    const limit = Math.min(MAX_REPORT_BYTES, this.intro.maxBytes);
    const body = (await readBody(req, { limit })).toString('utf8');
    const report = parseHardwareReport(body);
    let node: Node | undefined;
    let mac: string | undefined;
    for (const candidate of report.macs) {
      node = await findNode(this.opts.driver, { mac: candidate });
      const { configured } = this.profiles.resolve(candidate, node);
      if (node || configured) {
        mac = candidate;
        break;
      }
    }
    if (!mac && !this.intro.acceptUnknown) {
      ctx.mac = report.macs[0];
      throw new HttpError(
        404,
        `no node has MAC ${report.macs.join(', ')}: report refused (http.introspection.acceptUnknown is false)`,
      );
    }
    mac ??= report.macs[0] as string;
    ctx.mac = mac;
    await this.reports.put(mac, body);
    this.logger.info({ mac, node: node?.name, macs: report.macs }, 'boot-http: hardware report stored');
    const found = await this.ignitionFile(mac, node, mac);
    if (!found) throw new HttpError(404, `hardware report for ${mac} stored; no ignition for this node or its role`);
    await sendFile(req, res, found.path, found.stat, ctx, this.sendOptions('application/vnd.coreos.ignition+json'));
  }

  private text(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestCtx,
    body: string,
    type = 'text/plain; charset=utf-8',
  ): void {
    const buf = Buffer.from(body);
    res.statusCode = 200;
    res.setHeader('content-type', type);
    res.setHeader('content-length', String(buf.length));
    res.setHeader('cache-control', 'no-store');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    ctx.bytes = buf.length;
    res.end(buf);
  }

  /** 401 unless the request carries the configured bearer token (no token configured: anyone). */
  private authorize(req: IncomingMessage, res: ServerResponse): void {
    const token = this.intro.token;
    if (token === undefined || bearerAllowed(req.headers.authorization, token)) return;
    res.setHeader('www-authenticate', 'Bearer realm="bmc-emu introspection"');
    throw new HttpError(401, 'introspection needs Authorization: Bearer <http.introspection.token>');
  }

  private rememberIp(ip: string, mac: string): void {
    if (this.macByIp.size >= MAX_IP_MEMORY) this.macByIp.clear();
    this.macByIp.set(ip, mac);
  }

  /** The one place errors become HTTP statuses. */
  private sendError(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, err: unknown): void {
    let status = 500;
    let message = 'internal error';
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
    } else if (err instanceof BmcEmuError) {
      status = bootHttpStatusFor(err.code);
      message = err.message;
    } else {
      this.logger.error({ err }, 'boot-http: unexpected error');
    }
    ctx.bytes = sendAnswer(req, res, { status, contentType: TEXT, body: `${message}\n` });
  }
}

const TEXT = 'text/plain; charset=utf-8';

function normalizeMacOr404(s: string): string {
  try {
    return normalizeMac(s);
  } catch {
    throw new HttpError(404, 'not a MAC address');
  }
}
