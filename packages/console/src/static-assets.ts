/** The built browser bundle (web-dist/, made by Vite at build time), served from memory. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** What the page may load: itself only (no CDN, no third party); xterm.js sets inline styles. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../web-dist/', import.meta.url));

interface Asset {
  body: Buffer;
  type: string;
}

export class StaticAssets {
  private readonly files = new Map<string, Asset>();

  constructor(readonly dir: string = DEFAULT_ASSETS_DIR) {
    if (existsSync(dir)) this.load(dir);
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  private load(dir: string): void {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) this.load(full);
      else
        this.files.set(relative(this.dir, full).split(sep).join('/'), {
          body: readFileSync(full),
          type: TYPES[extname(name)] ?? 'application/octet-stream',
        });
    }
  }

  /** Serves `rel` ("" or "index.html" is the app shell); false when there is no such file. */
  serve(rel: string, res: ServerResponse, head: boolean): boolean {
    const key = rel === '' ? 'index.html' : rel;
    const asset = this.files.get(key);
    if (!asset) return false;
    res.writeHead(200, {
      'Content-Type': asset.type,
      'Content-Length': asset.body.length,
      // Vite names every asset by its content hash: it never changes under its name.
      'Cache-Control': key.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(head ? undefined : asset.body);
    return true;
  }
}
