/**
 * `bmc-emu serve`'s own view of virtual-media downloads (src/media-progress-serve.ts, issue #13 section 4):
 * with serve's stdout on a pseudo-terminal (util-linux `script`) a Redfish InsertMedia from a slow local image
 * server draws a cli-progress bar whose percent rises to 100; with stdout a pipe, serve prints plain lines.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { basic, httpsJson } from './support/https-json.js';
import { command, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';
import { trickleImages } from './support/trickle-images.js';

const tempDir = tempDirs();
const gate = requirePeers("serve's download progress on a terminal", [command('script', 'util-linux')]);
const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

/** Starts serve (on a pty or not), inserts `name` from a slow image server over Redfish, waits for the end. */
async function insertWhileServing(tty: boolean, name: string): Promise<{ serve: ServeProcess; url: string }> {
  const images = await trickleImages();
  running.push({ stop: () => images.close() });
  const stateDir = await tempDir('bmcemu-serve-progress-');
  const serve = await startServe({ nodes: 1, stateDir, tty });
  running.push(serve);
  const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
  const redfish = (path: string, body?: unknown) =>
    httpsJson(`https://127.0.0.1:${serve.redfishPort}${path}`, { ca, body, headers: basic('admin', 'password') });
  const systems = (await redfish('/redfish/v1/Systems')).body as { Members: Array<{ '@odata.id': string }> };
  const cd = `${systems.Members[0]!['@odata.id']}/VirtualMedia/Cd`;
  const url = `${images.url}/${name}`;
  const insert = await redfish(`${cd}/Actions/VirtualMedia.InsertMedia`, { Image: url });
  expect([202, 204]).toContain(insert.status);
  // the insert is done when the slot holds the image (bounded: the download takes ~1.6 s)
  for (let i = 0; i < 300; i++) {
    if (((await redfish(cd)).body as { Inserted?: boolean }).Inserted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await redfish(cd)).body).toMatchObject({ Image: url, Inserted: true });
  return { serve, url };
}

/** Waits (bounded) until serve's output says `what`: the view draws on its own timer after the event. */
async function outputWith(serve: ServeProcess, what: RegExp): Promise<string> {
  for (let i = 0; i < 100 && !what.test(serve.output()); i++) await new Promise((r) => setTimeout(r, 100));
  return serve.output();
}

gate.describe('serve shows media downloads', () => {
  it('on a pseudo-terminal: a bar whose percent rises to 100', async () => {
    const { serve, url } = await insertWhileServing(true, 'slow-serve-tty.iso');
    const label = `node-0 ${url}`.replace(/[.?/]/g, '\\$&');
    const screen = await outputWith(serve, new RegExp(`${label} \\|\\u2588{30}\\| 100% done, 2\\.0 MiB`));
    expect(screen).toMatch(/\u001b\[/); // drawn with cursor control
    expect(screen).toMatch(new RegExp(`${label} \\|\\u2588{30}\\| 100% done, 2\\.0 MiB`));
    // the frames of this bar, in the order drawn: rising, through values in between, to 100
    const shown = [...screen.matchAll(new RegExp(`${label} \\|[\\u2588\\u2591]{30}\\| +(\\d+)%`, 'g'))].map((m) =>
      Number(m[1]),
    );
    expect(shown.some((p) => p > 0 && p < 100)).toBe(true);
    expect(shown.at(-1)).toBe(100);
    expect([...shown].sort((a, b) => a - b)).toEqual(shown);
    expect(screen).not.toMatch(new RegExp(`media ${label}: started`)); // no plain lines on a TTY
  });

  it('with stdout not a TTY: plain lines, started to 100 % done, no control sequences', async () => {
    const { serve, url } = await insertWhileServing(false, 'slow-serve-pipe.iso');
    const label = `media node-0 ${url}`;
    const out = await outputWith(serve, /100% done/);
    const lines = out.split('\n').filter((l) => l.startsWith(label));
    expect(lines[0]).toBe(`${label}: started`);
    expect(lines.some((l) => /: (25|50|75)% \(\d+\.\d [KM]iB of 2\.0 MiB\)$/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`${label}: 100% done (2.0 MiB)`);
    expect(out).not.toMatch(/\u001b\[/);
  });
});
