/**
 * Every line `serve` logs names its source with exactly one `component` key (driver, media-cache, a front end's
 * name, or serve's own): the front ends' child loggers are named by serve, and no package adds a second label.
 */
import { createSocket } from 'node:dgram';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configSchema } from '../src/config-schema.js';
import { type RunningServer, startServer } from '../src/serve.js';
import { freePort } from './support/ironic.js';
import { command, fileExists, requirePeers } from './support/peers.js';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();
const ISO = '/usr/lib/ipxe/ipxe.iso';

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const gate = requirePeers('serve log lines', [command('curl'), fileExists(ISO, 'ipxe')]);
gate.describe('serve log lines', () => {
  const lines: string[] = [];
  let server: RunningServer;
  let images: Server;
  let redfish: string;
  let bootHttp: string;
  const auth = { Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` };

  beforeAll(async () => {
    const iso = readFileSync(ISO);
    images = createServer((_req, res) => res.writeHead(200, { 'content-length': iso.length }).end(iso));
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    const dir = await tempDir('bmcemu-serve-log-');
    const httpPort = await freePort();
    const config = configSchema.parse({
      stateDir: join(dir, 'state'),
      log: { level: 'trace' },
      driver: { kind: 'memory', demoNodes: 2 },
      redfish: { tls: false, port: 0 },
      ipmi: { basePort: await freeUdpPort() },
      tftp: { enabled: true, port: await freeUdpPort(), root: dir },
      http: { enabled: true, port: httpPort, root: dir },
    });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    server = await startServer(config, pino({ level: 'trace' }, sink));
    redfish = server.lines.find((l) => l.startsWith('redfish '))!.split(' ')[1]!;
    bootHttp = `http://127.0.0.1:${httpPort}`;
  });

  afterAll(async () => {
    await server?.stop();
    images?.closeAllConnections();
    await new Promise<void>((r) => (images ? images.close(() => r()) : r()));
  });

  it('names every line with exactly one component, across serve, the driver, the media cache and each front end', async () => {
    const systems = (await (await fetch(`${redfish}/Systems`, { headers: auth })).json()) as {
      Members: Array<{ '@odata.id': string }>;
    };
    const id = systems.Members[0]!['@odata.id'].split('/').pop()!;
    const image = `http://127.0.0.1:${(images.address() as AddressInfo).port}/ipxe.iso`;
    const insert = await fetch(`${redfish}/Managers/${id}/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Image: image }),
    });
    expect(insert.status).toBe(204);
    // the image Redfish fetched is what boot HTTP serves from the same cache
    const sha256 = createHash('sha256').update(readFileSync(ISO)).digest('hex');
    const served = Buffer.from(await (await fetch(`${bootHttp}/media/${sha256}`)).arrayBuffer());
    expect(createHash('sha256').update(served).digest('hex')).toBe(sha256);
    await fetch(`${bootHttp}/boot.ipxe`);
    await server.stop();

    expect(lines.length).toBeGreaterThanOrEqual(8);
    const components = new Set<string>();
    for (const line of lines) {
      expect(line.match(/"component":/g)?.length, line).toBe(1);
      expect(line, line).not.toMatch(/"(frontEnd|svc)":/);
      components.add((JSON.parse(line) as { component: string }).component);
    }
    expect([...components].sort()).toEqual(['boot-http', 'driver', 'ipmi', 'media-cache', 'redfish', 'tftp']);
  });
});
