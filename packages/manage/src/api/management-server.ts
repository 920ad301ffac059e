import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { BmcEmuError, ErrorCode, isBmcEmuError, type Logger, silentLogger, writeFileAtomic } from '@bmc-emu/core';
import { RegistryStore } from '../registry/registry-store.js';
import type { RegistryFile } from '../registry/schema.js';
import { applyOperation } from './apply-operation.js';
import type { LabBook } from './lab-book.js';
import { labRoute } from './lab-routes.js';
import type { Operation } from './operations-api.js';
import { managementPaths } from './paths.js';

const MAX_BODY = 64 * 1024;

export interface ManagementServerOptions {
  stateDir: string;
  /**
   * Make the running server match the registry (open/close/re-key BMC endpoints). Throwing refuses the
   * change: the file is put back and the previous registry re-applied.
   */
  apply(reg: RegistryFile): Promise<void>;
  logger?: Logger;
  /** The labs `lab up|down` report to (`/v1/labs`, see lab-routes.ts); without it those paths are 404. */
  labs?: LabBook;
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.NodeNotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.ConfigInvalid]: 500,
};

/**
 * The management API a running `serve` offers the CLI: JSON over HTTP on a unix socket in the state dir
 * (mode 0600), each request carrying the token from `management.token` (also 0600). Changes are
 * serialized, written to the registry, then applied live.
 */
export class ManagementServer {
  readonly store: RegistryStore;
  private readonly paths: ReturnType<typeof managementPaths>;
  private readonly logger: Logger;
  private server: Server | undefined;
  private token = Buffer.alloc(0);
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ManagementServerOptions) {
    this.paths = managementPaths(opts.stateDir);
    this.store = new RegistryStore(this.paths.registry);
    this.logger = opts.logger ?? silentLogger();
  }

  async start(): Promise<string> {
    await this.refuseIfAnotherServerRuns();
    const token = randomBytes(32).toString('hex');
    await writeFileAtomic(this.paths.token, `${token}\n`, 0o600);
    this.token = Buffer.from(token);
    await unlink(this.paths.socket).catch(() => undefined);
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // umask-proof: the socket is made owner-only before anyone can reach it through the folder
      const old = process.umask(0o177);
      try {
        server.listen(this.paths.socket, () => resolve());
      } finally {
        process.umask(old);
      }
    });
    await chmod(this.paths.socket, 0o600);
    this.server = server;
    return this.paths.socket;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
    await unlink(this.paths.socket).catch(() => undefined);
  }

  /** Run one operation as the API would (also used by serve itself, e.g. imports). */
  run(op: Operation): Promise<RegistryFile> {
    const next = this.chain.then(async () => {
      const before = await this.store.read();
      const after = await this.store.update((reg) => applyOperation(reg, op));
      try {
        await this.opts.apply(after);
      } catch (err) {
        await this.store.update(() => before);
        await this.opts
          .apply(before)
          .catch((e: unknown) => this.logger.error({ err: e }, 'could not re-apply the previous BMC registry'));
        throw err;
      }
      this.logger.info(
        { op: op.op, node: 'node' in op ? op.node : 'record' in op ? op.record.node : undefined },
        'bmc registry changed',
      );
      return after;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async refuseIfAnotherServerRuns(): Promise<void> {
    const alive = await new Promise<boolean>((resolve) => {
      const sock = connect(this.paths.socket);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (alive) {
      throw new BmcEmuError(
        ErrorCode.Conflict,
        `another bmc-emu serve already manages ${this.opts.stateDir} (${this.paths.socket} answers); use another --state-dir`,
        {
          socket: this.paths.socket,
        },
      );
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const got = Buffer.from(m[1]!);
    return got.length === this.token.length && timingSafeEqual(got, this.token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res
        .writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
        .end(text);
    };
    try {
      if (!this.authorized(req))
        return send(401, { error: { code: 'UNAUTHORIZED', message: `send the token in ${this.paths.token}` } });
      if (req.method === 'GET' && req.url === '/v1/bmcs') return send(200, await this.store.read());
      if (req.method === 'POST' && req.url === '/v1/operations') {
        const op = JSON.parse(await readBody(req)) as Operation;
        return send(200, await this.run(op));
      }
      const lab = this.opts.labs
        ? await labRoute(this.opts.labs, req.method ?? 'GET', req.url ?? '/', async () =>
            JSON.parse(await readBody(req)),
          )
        : undefined;
      if (lab) return send(lab.status, lab.body);
      send(404, {
        error: { code: 'NOT_FOUND', message: `${req.method} ${req.url} is not part of the management API` },
      });
    } catch (err) {
      if (isBmcEmuError(err)) return send(STATUS[err.code] ?? 500, { error: { code: err.code, message: err.message } });
      if (err instanceof SyntaxError)
        return send(400, {
          error: { code: ErrorCode.InvalidArgument, message: `the body is not JSON: ${err.message}` },
        });
      this.logger.error({ err }, 'management request failed');
      send(500, { error: { code: ErrorCode.Internal, message: String(err) } });
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BmcEmuError(ErrorCode.InvalidArgument, `the body is over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The token a CLI on this machine sends; readable only by the server's user. */
export async function readManagementToken(stateDir: string): Promise<string> {
  return (await readFile(managementPaths(stateDir).token, 'utf8')).trim();
}
