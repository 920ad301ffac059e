/**
 * Packet loss: our server in one test-made namespace, real clients in another, a veth pair between
 * them and `tc netem loss` on both ends (DATA and ACKs are both lost). Transfers must still complete
 * byte-identical. Nothing here touches the host's interfaces.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeEngineAvailable } from '@bmc-emu/tftp';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetNs } from './support/netns.js';
import { command, requirePeers, root } from './support/peers.js';

const SERVE = fileURLToPath(new URL('../fixtures/tftp/serve.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const LOSS = '4%';
const SERVER_IP = '10.213.7.1';
// every transfer runs once per read engine (the native one only when its addon is built; a missing addon
// fails "tftp native addon is built" under CI)
const ENGINES = nativeEngineAvailable() ? (['js', 'native'] as const) : (['js'] as const);

const gate = requirePeers('tftp packet loss', [
  root(),
  command('ip', 'iproute2'),
  command('tc', 'iproute2'),
  command('iptables'),
  command('tftp', 'tftp-hpa'),
  command('atftp'),
  command('curl'),
]);

/**
 * `tc netem loss` on the namespace's interface; kernels built without sch_netem (like this sandbox's)
 * get the same random loss from netfilter's statistic match, still only inside the test namespace.
 */
function addLoss(ns: NetNs, dev: string): boolean {
  try {
    execFileSync('ip', ['netns', 'exec', ns.name, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'loss', LOSS], {
      stdio: 'pipe',
    });
    return true;
  } catch {
    const p = String(Number.parseFloat(LOSS) / 100);
    // dropped on the way IN: a drop in OUTPUT would fail the sender's sendmsg() with EPERM instead of losing it
    ns.exec(
      'iptables',
      '-A',
      'INPUT',
      '-i',
      dev,
      '-p',
      'udp',
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      p,
      '-j',
      'DROP',
    );
    return false;
  }
}

function droppedBy(ns: NetNs, dev: string): number {
  if (lossMethod === 'netem') {
    const m = /dropped (\d+)/.exec(ns.exec('tc', '-s', 'qdisc', 'show', 'dev', dev));
    return Number(m?.[1] ?? 0);
  }
  const m = /^\s*(\d+)\s+\d+\s+DROP/m.exec(ns.exec('iptables', '-L', 'INPUT', '-v', '-x', '-n'));
  return Number(m?.[1] ?? 0);
}

let lossMethod: 'netem' | 'iptables' = 'netem';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const engine of ENGINES)
  gate.describe(`TFTP under packet loss (netem in a test-made namespace pair, ${engine} engine)`, () => {
    let srvNs: NetNs | undefined;
    let cliNs: NetNs | undefined;
    let server: ChildProcess | undefined;
    let dir: string;
    const files: Record<string, Buffer> = {};
    let serverOut = '';

    beforeAll(async () => {
      // the server runs from the built package; one tsc at a time (same lock as the DHCP namespace tests)
      await execa('flock', ['/tmp/bmcemu-dhcp-build.lock', 'npx', 'tsc', '-b', 'packages/tftp'], { cwd: REPO });
      dir = mkdtempSync(join(tmpdir(), 'tftp-loss-'));
      for (const [name, size] of [
        ['w.bin', 4 * 2 ** 20],
        ['c.bin', 512 * 1024],
        ['h.bin', 512 * 1024],
      ] as const) {
        files[name] = randomBytes(size);
        writeFileSync(join(dir, name), files[name]);
      }
      srvNs = new NetNs('tftps');
      cliNs = new NetNs('tftpc');
      srvNs.addVeth('tfs0', 'tfc0', cliNs);
      srvNs.exec('ip', 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'tfs0');
      cliNs.exec('ip', 'addr', 'add', '10.213.7.2/24', 'dev', 'tfc0');
      const srvNetem = addLoss(srvNs, 'tfs0');
      const cliNetem = addLoss(cliNs, 'tfc0');
      lossMethod = srvNetem && cliNetem ? 'netem' : 'iptables';
      server = srvNs.spawn(process.execPath, [
        SERVE,
        '--bind',
        SERVER_IP,
        '--port',
        '69',
        '--root',
        dir,
        '--timeout-ms',
        '100',
        '--max-retries',
        '12',
        '--engine',
        engine,
      ]);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`server did not start: ${serverOut}`)), 15_000);
        server!.stdout!.on('data', (d) => {
          serverOut += String(d);
          if (serverOut.includes('READY')) {
            clearTimeout(t);
            resolve();
          }
        });
        server!.stderr!.on('data', (d) => {
          serverOut += String(d);
        });
        server!.on('exit', (code) => reject(new Error(`server exited ${code}: ${serverOut}`)));
      });
    });

    afterAll(() => {
      srvNs?.destroy();
      cliNs?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // curl asks timeout=6 s (from its 300 s connect timeout) and we honour the client's timeout, so under loss
    // it runs without options (512-byte lock-step, our 100 ms retransmit); atftp covers blksize + windowsize.
    // atftp re-ACKs a stale window only once until its own timer fires (and that timer restarts on every packet):
    // the server's doubling retransmit interval lets it fire; --tftp-timeout 1 keeps the run short.
    const inClient = (cmd: string, args: string[]) =>
      execa('ip', ['netns', 'exec', cliNs!.name, cmd, ...args], { timeout: 80_000 });

    it(
      `atftp (blksize 1468, windowsize 16), curl and tftp-hpa (512) all complete byte-identical at ${LOSS} loss each way`,
      {
        timeout: 100_000,
      },
      async () => {
        const out = (n: string) => join(dir, `got-${n}`);
        const t0 = Date.now();
        await Promise.all([
          inClient('atftp', [
            '--tftp-timeout',
            '1',
            '--option',
            'blksize 1468',
            '--option',
            'windowsize 16',
            '-g',
            '-r',
            'w.bin',
            '-l',
            out('w'),
            SERVER_IP,
          ]),
          inClient('curl', ['-sS', '--tftp-no-options', '-o', out('c'), `tftp://${SERVER_IP}/c.bin`]),
          inClient('tftp', [SERVER_IP, '-m', 'binary', '-c', 'get', 'h.bin', out('h')]),
        ]);
        const secs = (Date.now() - t0) / 1000;
        expect(sha(readFileSync(out('w')))).toBe(sha(files['w.bin']!));
        expect(sha(readFileSync(out('c')))).toBe(sha(files['c.bin']!));
        expect(sha(readFileSync(out('h')))).toBe(sha(files['h.bin']!));
        // the loss really happened
        const dropped = droppedBy(srvNs!, 'tfs0') + droppedBy(cliNs!, 'tfc0');
        console.log(
          `under ${LOSS} loss (${lossMethod}): 5 MiB over 3 clients in ${secs.toFixed(1)} s, ${dropped} packets dropped`,
        );
        expect(dropped).toBeGreaterThan(20);
      },
    );

    it('the server is still answering afterwards and exits cleanly with counters', async () => {
      const r = await inClient('tftp', [SERVER_IP, '-c', 'get', '../etc/passwd', join(dir, 'nope')]).catch((e) => e);
      expect(String(r.stdout) + String(r.stderr)).toMatch(/Error code 2/);
      server!.kill('SIGTERM');
      await new Promise((res) => server!.once('exit', res));
      const m = /COUNTERS (.*)/.exec(serverOut);
      expect(m).not.toBeNull();
      const counters = JSON.parse(m![1]!);
      expect(counters.completed).toBeGreaterThanOrEqual(2);
      if (engine === 'native') expect(counters.nativeReads).toBeGreaterThanOrEqual(counters.completed);
      else expect(counters.nativeReads).toBe(0);
    });
  });
