// Introspection faults of issue #14, with real curl: reports survive a restart, the count/bytes cap holds
// under 1,000 POSTs, unknown MACs are refused (or accepted by config), and the optional bearer token.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoNodes, MemoryDriver } from '@bmc-emu/core';
import { afterEach, expect, it } from 'vitest';
import { command, requirePeers } from '../../../test/support/peers.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';
import { BootHttpServer, type BootHttpServerOptions } from '../src/index.js';

const execFileP = promisify(execFile);
const peers = requirePeers('introspection over curl', [command('curl')]);
const temp = tempDirs();
const nodes = demoNodes(3); // 52:54:00:00:00:01 .. 03
const running: BootHttpServer[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

function ghw(mac: string, pad = 0): string {
  return JSON.stringify({
    network: { nics: [{ name: 'ens3', mac_address: mac, is_virtual: false }] },
    pad: 'p'.repeat(pad),
  });
}

function fakeMac(i: number): string {
  return `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
}

async function start(dir: string, extra: Partial<BootHttpServerOptions> = {}): Promise<BootHttpServer> {
  const s = new BootHttpServer({
    driver: new MemoryDriver({ nodes }),
    host: '127.0.0.1',
    port: 0,
    root: dir,
    stateDir: join(dir, 'state'),
    ...extra,
  });
  await s.start();
  running.push(s);
  return s;
}

/** One curl process: status code and body. */
async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileP('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

function post(s: BootHttpServer, body: string, headers: string[] = []) {
  return curl([...headers.flatMap((h) => ['-H', h]), '--data-binary', body, `${s.url}/introspection`]);
}

const reportDir = (dir: string) => join(dir, 'state', 'introspection');

peers.describe('boot-http introspection', () => {
  it('reloads the reports on disk at start: GET /introspection/<mac> after a restart', async () => {
    const dir = await temp('bmcemu-intro-');
    let s = await start(dir);
    expect((await post(s, ghw('52:54:00:00:00:02'))).status).toBe(404); // stored; no ignition configured
    expect((await curl([`${s.url}/introspection/52-54-00-00-00-02`])).status).toBe(200);
    await s.stop();
    s = await start(dir);
    const after = await curl([`${s.url}/introspection/52:54:00:00:00:02`]);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toEqual(JSON.parse(ghw('52:54:00:00:00:02')));
    expect((await curl([`${s.url}/introspection/52-54-00-00-00-03`])).status).toBe(404);
  });

  it('refuses reports for MACs no node has by default (404, plain text), accepts them with acceptUnknown', async () => {
    const dir = await temp('bmcemu-intro-');
    let s = await start(dir);
    const refused = await post(s, ghw('02:00:00:00:00:42'));
    expect(refused.status).toBe(404);
    expect(refused.body).toMatch(/no node has MAC 02:00:00:00:00:42/);
    expect(s.report('02:00:00:00:00:42')).toBeUndefined();
    expect(readdirSync(dir)).not.toContain('state'); // nothing written
    expect((await curl([`${s.url}/introspection/02-00-00-00-00-42`])).status).toBe(404);
    expect((await post(s, ghw('52:54:00:00:00:01'))).status).toBe(404); // known node: stored (no ignition)
    expect(readdirSync(reportDir(dir))).toEqual(['52-54-00-00-00-01.json']);
    await s.stop();

    s = await start(dir, { introspection: { acceptUnknown: true } });
    expect((await post(s, ghw('02:00:00:00:00:42'))).status).toBe(404);
    expect(readdirSync(reportDir(dir)).sort()).toEqual(['02-00-00-00-00-42.json', '52-54-00-00-00-01.json']);
    expect((await curl([`${s.url}/introspection/02-00-00-00-00-42`])).status).toBe(200);
  });

  it('needs the bearer token when one is set (401 with WWW-Authenticate otherwise)', async () => {
    const dir = await temp('bmcemu-intro-');
    const s = await start(dir, { introspection: { token: 's3cret-token' } });
    const body = ghw('52:54:00:00:00:03');
    for (const h of [[], ['Authorization: Bearer wrong-token'], ['Authorization: Basic czNjcmV0LXRva2Vu']]) {
      expect((await post(s, body, h)).status).toBe(401);
    }
    expect(existsUnder(reportDir(dir))).toBe(0);
    const headers = await execFileP('curl', [
      '-s',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '--data-binary',
      body,
      `${s.url}/introspection`,
    ]);
    expect(headers.stdout).toMatch(/^www-authenticate: Bearer/im);
    expect((await post(s, body, ['Authorization: Bearer s3cret-token'])).status).toBe(404); // stored, no ignition
    expect((await curl([`${s.url}/introspection/52-54-00-00-00-03`])).status).toBe(401);
    const got = await curl(['-H', 'Authorization: Bearer s3cret-token', `${s.url}/introspection/52-54-00-00-00-03`]);
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body)).toEqual(JSON.parse(body));
  });

  it('holds the count and byte cap under 1,000 POSTs (oldest out), on disk and after a restart', async () => {
    const dir = await temp('bmcemu-intro-');
    const cap = { acceptUnknown: true, maxReports: 100, maxBytes: 100_000 };
    let s = await start(dir, { introspection: cap });
    const bodies = join(dir, 'bodies');
    mkdirSync(bodies);
    const TOTAL = 1000;
    // first half small (the count cap binds), second half ~2.5 KB (the byte cap binds)
    for (let i = 0; i < TOTAL; i++) writeFileSync(join(bodies, `${i}.json`), ghw(fakeMac(i), i < 500 ? 10 : 2500));
    const codes: string[] = [];
    const BATCH = 100; // one curl process posts 100 reports in order (--next); batches run one after another
    for (let b = 0; b < TOTAL; b += BATCH) {
      const args: string[] = [];
      for (let i = b; i < b + BATCH; i++) {
        if (i > b) args.push('--next');
        args.push('-s', '-o', '/dev/null', '-w', '%{http_code}\\n', '--data-binary', `@${join(bodies, `${i}.json`)}`);
        args.push(`${s.url}/introspection`);
      }
      const { stdout } = await execFileP('curl', args, { maxBuffer: 1 << 20 });
      codes.push(...stdout.trim().split('\n'));
      const files = readdirSync(reportDir(dir));
      expect(files.length).toBeLessThanOrEqual(cap.maxReports);
      expect(bytesUnder(reportDir(dir))).toBeLessThanOrEqual(cap.maxBytes);
    }
    expect(codes).toHaveLength(TOTAL);
    expect(new Set(codes)).toEqual(new Set(['404'])); // each stored; no ignition for them
    const files = readdirSync(reportDir(dir));
    const newest = Math.floor(cap.maxBytes / Buffer.byteLength(ghw(fakeMac(999), 2500)));
    expect(files.length).toBe(newest);
    expect(files).toContain('02-00-00-00-03-e7.json'); // the last one posted
    expect(files).not.toContain(`${fakeMac(999 - newest).replaceAll(':', '-')}.json`); // one older than the kept
    expect(s.reportUsage).toEqual({ count: files.length, bytes: bytesUnder(reportDir(dir)) });
    await s.stop();

    // a smaller cap at start trims what is on disk, oldest first
    s = await start(dir, { introspection: { ...cap, maxReports: 10 } });
    const left = readdirSync(reportDir(dir)).sort();
    expect(left).toEqual(Array.from({ length: 10 }, (_, k) => `${fakeMac(990 + k).replaceAll(':', '-')}.json`).sort());
    expect((await curl([`${s.url}/introspection/${fakeMac(999)}`])).status).toBe(200);
    expect((await curl([`${s.url}/introspection/${fakeMac(989)}`])).status).toBe(404);
  }, 120_000);
});

function bytesUnder(d: string): number {
  return readdirSync(d).reduce((a, f) => a + statSync(join(d, f)).size, 0);
}

function existsUnder(d: string): number {
  try {
    return readdirSync(d).length;
  } catch {
    return 0;
  }
}
