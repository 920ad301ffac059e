import { request } from 'node:http';
import { errors } from '@bmc-emu/core';

export interface SocketReply {
  status: number;
  body: unknown;
}

/**
 * One JSON request to the management API on its unix socket, bounded by `timeoutMs` (a hung serve must not
 * hang the CLI). Connection errors reject with the socket's errno (ENOENT, ECONNREFUSED: nobody serves there).
 */
export function socketJson(
  socketPath: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 2_000,
): Promise<SocketReply> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        timeout: timeoutMs,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(text ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = raw ? JSON.parse(raw) : undefined;
          } catch {
            parsed = raw;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(errors.timeout(`the management API did not answer ${method} ${path} in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(text);
  });
}
