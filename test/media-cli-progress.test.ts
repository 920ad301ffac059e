/**
 * Download progress on a terminal (issue #13 section 4), against a real `bmc-emu serve` and a real (slow)
 * image download: `bmc-emu media insert NODE URL --wait` prints plain lines when stdout is not a TTY and a
 * cli-progress bar that reaches 100 % on a pseudo-terminal (util-linux `script`); serve itself prints the
 * download's plain lines from the event stream.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { basic, httpsJson } from './support/https-json.js';
import { command, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';
import { type TrickleImages, trickleImages } from './support/trickle-images.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const tempDir = tempDirs();
const gate = requirePeers('media download progress in the CLI', [command('script', 'util-linux')]);

gate.describe('media insert --wait shows the download', () => {
  let serve: ServeProcess;
  let images: TrickleImages;
  let stateDir: string;
  let args: string[];

  beforeAll(async () => {
    stateDir = await tempDir('bmcemu-media-cli-');
    images = await trickleImages();
    // the Redfish answer turns into a task after 100 ms, so the CLI follows the download's PercentComplete
    serve = await startServe({ nodes: 1, stateDir, env: { BMCEMU_REDFISH_INSERT_WAIT_MS: '100' } });
    args = ['--state-dir', stateDir, '--redfish-url', `https://127.0.0.1:${serve.redfishPort}`];
  });
  afterAll(async () => {
    await serve?.stop();
    await images?.close();
  });

  async function mediaOf(): Promise<{ Image?: string; Inserted?: boolean }> {
    const ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    const get = (path: string) =>
      httpsJson(`https://127.0.0.1:${serve.redfishPort}${path}`, { ca, headers: basic('admin', 'password') });
    const systems = (await get('/redfish/v1/Systems')).body as { Members: Array<{ '@odata.id': string }> };
    return (await get(`${systems.Members[0]!['@odata.id']}/VirtualMedia/Cd`)).body as { Image?: string };
  }

  it('plain lines without a TTY: started, a quarter on the way, 100 % done; serve prints the same story', async () => {
    const url = `${images.url}/slow.iso`;
    const r = await execa(process.execPath, [BIN, 'media', 'insert', 'node-0', url, '--wait', ...args], {
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`media node-0 ${url}: started`);
    expect(lines.some((l) => /^media node-0 \S+: (25|50|75)%$/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`media node-0 ${url}: 100% done`);
    expect(r.stdout).not.toMatch(/\u001b\[/); // no terminal control sequences in a pipe
    expect(await mediaOf()).toMatchObject({ Image: url, Inserted: true });
    // serve's own view, from the media-download events (bytes this time)
    const out = serve.output();
    expect(out).toContain(`media node-0 ${url}: started`);
    expect(out).toMatch(
      new RegExp(`media node-0 ${url.replace(/[.?]/g, '\\$&')}: (25|50|75)% \\(\\d+\\.\\d [KM]iB of 2\\.0 MiB\\)`),
    );
    expect(out).toContain(`media node-0 ${url}: 100% done (2.0 MiB)`);
  });

  it('a bar on a pseudo-terminal that reaches 100 %', async () => {
    await execa(process.execPath, [BIN, 'media', 'eject', 'node-0', ...args]);
    const url = `${images.url}/slow-tty.iso`;
    const cmd = [process.execPath, BIN, 'media', 'insert', 'node-0', url, '--wait', ...args]
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const r = await execa('script', ['-qec', cmd, '/dev/null'], {
      reject: false,
      env: { ...process.env, TERM: 'xterm' },
    });
    expect(r.exitCode, r.stdout).toBe(0);
    const screen = r.stdout;
    expect(screen).toMatch(/\u001b\[/); // drawn with cursor control, not lines
    expect(screen).toMatch(/node-0 \S+slow-tty\.iso \|\u2588{30}\| 100% done/);
    // and it moved through values in between
    const shown = [...screen.matchAll(/\| +(\d+)%/g)].map((m) => Number(m[1]));
    expect(shown.some((p) => p > 0 && p < 100)).toBe(true);
    expect(await mediaOf()).toMatchObject({ Image: url, Inserted: true });
  });
});
