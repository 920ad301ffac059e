/** `bmc-emu serve` serves the console on the Redfish listener by default, and not when config turns it off. */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { basic, httpsJson } from './support/https-json.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs();

describe('bmc-emu serve and the console', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });

  it('serves /console/ over the Redfish TLS, with the driver events on its stream', async () => {
    const stateDir = await tempDir('bmcemu-console-serve-');
    serve = await startServe({ nodes: 2, stateDir });
    const base = `https://127.0.0.1:${serve.redfishPort}`;
    const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    const page = await httpsJson(`${base}/console/`, { ca });
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<div id="app">');
    const nodes = await httpsJson(`${base}/console/api/nodes`, { ca, headers: basic('admin', 'password') });
    const list = (nodes.body as { nodes: Array<{ id: string; endpoints: { ipmi?: string } }> }).nodes;
    expect(list.map((n) => n.endpoints.ipmi)).toEqual([
      `ipmi://127.0.0.1:${serve.ipmiBasePort}`,
      `ipmi://127.0.0.1:${serve.ipmiBasePort + 1}`,
    ]);
    // a change made over Redfish reaches the console's stream and node view (driver -> bus bridge in serve)
    const frames: string[] = [];
    const req = request(`${base}/console/api/events`, { ca, headers: basic('admin', 'password') });
    const sawBoot = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no boot event in ${frames.join('|')}`)), 10_000);
      req.on('response', (res) =>
        res.on('data', (c: Buffer) => {
          frames.push(c.toString());
          if (frames.join('').includes('"kind":"boot"')) {
            clearTimeout(t);
            resolve();
          }
        }),
      );
      req.on('error', reject);
    });
    req.end();
    await new Promise((r) => setTimeout(r, 200));
    const reset = await httpsJson(`${base}/redfish/v1/Systems/${list[1]!.id}`, {
      ca,
      method: 'PATCH',
      body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } },
      headers: basic('admin', 'password'),
    });
    expect(reset.status).toBeLessThan(300);
    await sawBoot;
    req.destroy();
    expect(frames.join('')).toMatch(
      /event: rack\ndata: \{"kind":"boot","node":"[^"]+","boot":\{"target":"Cd","enabled":"Once"/,
    );
    const view = await httpsJson(`${base}/console/api/nodes/${list[1]!.id}`, {
      ca,
      headers: basic('admin', 'password'),
    });
    expect((view.body as { boot: { target: string } }).boot.target).toBe('Cd');
  });

  it('does not serve it with console.enabled false (BMCEMU_CONSOLE_ENABLED=false); Redfish is unchanged', async () => {
    const stateDir = await tempDir('bmcemu-console-off-');
    serve = await startServe({ nodes: 1, stateDir, env: { BMCEMU_CONSOLE_ENABLED: 'false' } });
    const base = `https://127.0.0.1:${serve.redfishPort}`;
    const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    expect((await httpsJson(`${base}/console/`, { ca })).status).toBe(404);
    expect((await httpsJson(`${base}/redfish/v1`, { ca })).status).toBe(200);
  });
});
