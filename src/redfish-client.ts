/** A small Redfish client for the CLI: JSON over http(s) with the serve instance's CA and Basic credentials. */
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { errors } from '@bmc-emu/core';
import type { Config } from './config-schema.js';

export interface RedfishReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface RedfishClient {
  readonly base: string;
  call(method: string, path: string, body?: unknown): Promise<RedfishReply>;
}

/** Where the running `serve` of this config answers Redfish: loopback when it binds every address. */
export function redfishBase(config: Readonly<Config>): string {
  const host = config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind === '::' ? '[::1]' : config.bind;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${config.redfish.tls ? 'https' : 'http'}://${h}:${config.redfish.port}`;
}

export function redfishClient(opts: { base: string; user: string; password: string; stateDir: string }): RedfishClient {
  const caFile = join(opts.stateDir, 'tls', 'ca.crt');
  const ca = existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined;
  const auth = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
  return {
    base: opts.base,
    call(method, path, body) {
      const url = new URL(path, opts.base);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise((resolve, reject) => {
        const req = send(
          url,
          {
            method,
            ...(ca && url.protocol === 'https:' ? { ca } : {}),
            timeout: 600_000,
            headers: {
              Authorization: auth,
              Accept: 'application/json',
              ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = text ? JSON.parse(text) : undefined;
              } catch {
                // not JSON: keep the text
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(errors.timeout(`no answer from ${url.href}`)));
        req.on('error', (err) =>
          reject(
            errors.driverUnavailable(
              'redfish',
              `cannot reach bmc-emu serve at ${opts.base} (${err.message}); is it running? (--redfish-url)`,
            ),
          ),
        );
        req.end(payload);
      });
    },
  };
}

/** The message a Redfish error body carries, else the status. */
export function redfishMessage(r: RedfishReply): string {
  const e = (r.body as { error?: { message?: string; '@Message.ExtendedInfo'?: Array<{ Message?: string }> } })?.error;
  return e?.['@Message.ExtendedInfo']?.find((m) => m.Message)?.Message ?? e?.message ?? `HTTP ${r.status}`;
}
