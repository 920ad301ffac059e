/**
 * `bmc-emu lab up --install` against a real private libvirtd. There is no openshift-baremetal-install
 * on this machine (Red Hat ships it from the release payload; it is not in Debian), so a stand-in
 * executable of that name on PATH plays it: it records its arguments, prints lines slowly and exits with
 * a code, or waits for SIGINT. The real installer is not exercised here.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Libvirtd, libvirtPeers, startLibvirtd, virsh, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const tempDir = tempDirs();
const LAB = 'bmcemu-t-inst';
const POOL = 'bmcemu-t-ipool';

const STAND_IN = `#!/bin/sh
printf '%s\\n' "$@" > "$STANDIN_ARGS"
[ -f "$2/install-config.yaml" ] && echo "stand-in: install-config present"
case "$STANDIN_MODE" in
  slow)
    echo "stand-in: line 1"; sleep 0.6
    echo "stand-in: line 2"; sleep 0.6
    echo "stand-in: line 3"; exit 7 ;;
  wait)
    trap 'echo "stand-in: got SIGINT"; exit 130' INT
    echo "stand-in: ready"
    i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
    echo "stand-in: no signal"; exit 0 ;;
esac
`;

interface Line {
  at: number;
  text: string;
}

/** Run the CLI, timestamping each stdout line as it arrives. */
function run(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let err = '';
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => {
    partial += c.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; ended: number }>((resolve) =>
    child.once('close', (code) => resolve({ code, ended: Date.now() })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  done.finally(() => clearTimeout(timer));
  return { child, lines, stderr: () => err, done };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

libvirtPeers.describe('lab up --install runs openshift-baremetal-install (a stand-in)', () => {
  let lv: Libvirtd;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    lv = await startLibvirtd();
    dir = await tempDir('bmcemu-lab-inst-');
    chmodSync(dir, 0o755);
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'openshift-baremetal-install'), STAND_IN, { mode: 0o755 });
    env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, STANDIN_ARGS: join(dir, 'args.txt') };
    writeFileSync(
      join(dir, 'lab.yaml'),
      stringify({
        name: LAB,
        libvirt: { uris: [lv.uri], pool: { name: POOL, path: join(dir, 'pool') }, domainType: 'qemu' },
        bmc: { host: '127.0.0.1' },
        controlPlane: { count: 1, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
        networks: { baremetal: { forward: 'isolated' } },
        stateDir: join(dir, 'state'),
      }),
    );
  }, LIBVIRTD_SETUP_MS);

  afterAll(async () => {
    try {
      if (dir && lv)
        spawnSync(process.execPath, [BIN, 'lab', 'down', '-c', 'lab.yaml'], { cwd: dir, timeout: 120_000 });
      if (lv) {
        for (const a of [
          ['pool-destroy', POOL],
          ['pool-undefine', POOL],
        ]) {
          try {
            virsh(...a);
          } catch {} // already gone: down removed the pool it made
        }
      }
    } finally {
      await lv?.stop();
    }
  }, 180_000);

  it('streams its lines as they come, passes --dir D create cluster, returns its exit code', async () => {
    const r = run(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--install'], dir, { ...env, STANDIN_MODE: 'slow' });
    const { code, ended } = await r.done;
    expect(code, r.stderr()).toBe(7);
    const at = (t: string) => r.lines.find((l) => l.text === t)?.at ?? Number.NaN;
    const [l1, l2, l3] = ['stand-in: line 1', 'stand-in: line 2', 'stand-in: line 3'].map(at) as [
      number,
      number,
      number,
    ];
    // each line arrives when the stand-in writes it (0.6 s apart), not all at once when it exits
    expect(l2 - l1).toBeGreaterThan(450);
    expect(l3 - l2).toBeGreaterThan(450);
    expect(ended - l1).toBeGreaterThan(900);
    // the lab's own lines come first, then the installer runs in the output directory
    const texts = r.lines.map((l) => l.text);
    expect(texts.findIndex((t) => t.startsWith('up: '))).toBeLessThan(texts.indexOf('stand-in: line 1'));
    expect(texts).toContain('stand-in: install-config present');
    expect(texts.some((t) => t.startsWith('next: '))).toBe(false);
    expect(readFileSync(join(dir, 'args.txt'), 'utf8').trim().split('\n')).toEqual([
      '--dir',
      'out',
      'create',
      'cluster',
    ]);
    expect(existsSync(join(dir, 'out/install-config.yaml'))).toBe(true);
  }, 180_000);

  it('forwards SIGINT to the installer and returns its exit code', async () => {
    const r = run(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--install'], dir, { ...env, STANDIN_MODE: 'wait' });
    await until(() => r.lines.some((l) => l.text === 'stand-in: ready'), 60_000);
    expect(r.lines.map((l) => l.text)).toContain('stand-in: ready');
    r.child.kill('SIGINT'); // to bmc-emu only: the stand-in hears it only if bmc-emu forwards it
    const { code } = await r.done;
    const texts = r.lines.map((l) => l.text);
    expect(texts).toContain('stand-in: got SIGINT');
    expect(texts).not.toContain('stand-in: no signal');
    expect(code, r.stderr()).toBe(130);
    expect(r.stderr()).not.toMatch(/interrupted; finishing the current step/);
  }, 180_000);

  it('without the binary on PATH: exit 1, the lab stays up, the command to run is printed', async () => {
    const r = run(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--install'], dir, {
      ...env,
      PATH: process.env.PATH,
    });
    const { code } = await r.done;
    expect(code).toBe(1);
    expect(r.stderr()).toMatch(
      /openshift-baremetal-install is not on PATH; the lab is up, run: openshift-baremetal-install --dir out create cluster/,
    );
    expect(r.lines.map((l) => l.text)).toContainEqual(expect.stringMatching(/^up: 0 change\(s\)/));
  }, 180_000);
});
