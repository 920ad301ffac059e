import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BmcEmuError, ErrorCode, errors } from '@bmc-emu/core';
import { execa } from 'execa';

export interface VirshOptions {
  uri: string;
  /** Kill a virsh that takes longer than this (a hung libvirtd must not hang a node's queue). */
  timeoutMs?: number;
  virshPath?: string;
}

const UNAVAILABLE = [
  /failed to connect to the hypervisor/i,
  /failed to connect socket/i,
  /client socket is closed/i,
  /cannot recv data/i,
  /end of file while reading data/i,
  /no connection driver available/i,
  /cannot write data/i,
  /connection reset by peer/i,
  /broken pipe/i,
];
const NOT_FOUND = [/failed to get domain/i, /domain not found/i, /no domain with matching/i];
const CONFLICT = [/domain is not running/i, /domain is already (active|running)/i, /requested operation is not valid/i];

/** Map a virsh failure onto bmc-emu's typed errors. */
export function virshError(uri: string, args: readonly string[], stderr: string, cause?: unknown): BmcEmuError {
  const msg =
    stderr
      .replace(/^error:\s*/gim, '')
      .trim()
      .replace(/\s+/g, ' ') || 'virsh failed';
  const details = { uri, command: args.join(' ') };
  if (UNAVAILABLE.some((re) => re.test(stderr))) return errors.driverUnavailable(`libvirt (${uri})`, msg, cause);
  if (NOT_FOUND.some((re) => re.test(stderr))) {
    const id = args.find((a, i) => i > 0 && !a.startsWith('-')) ?? '?';
    return errors.nodeNotFound(id);
  }
  if (CONFLICT.some((re) => re.test(stderr))) return errors.conflict(msg, details);
  return new BmcEmuError(ErrorCode.Internal, `virsh ${args[0] ?? ''} failed: ${msg}`, details, { cause });
}

/** One libvirt connection spoken to through `virsh -c URI`. */
export class Virsh {
  readonly uri: string;
  private readonly timeoutMs: number;
  private readonly bin: string;
  /** Processes spawned so far (the bench and tests check that the cache keeps this low). */
  spawned = 0;

  constructor(opts: VirshOptions) {
    this.uri = opts.uri;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.bin = opts.virshPath ?? 'virsh';
  }

  /**
   * Run a command that reads an XML file (define, attach-device, ...): `FILE` in args is replaced by
   * a private temp file holding `xml`. (virsh cannot read /dev/stdin when stdin is a socket.)
   */
  async runWithXml(args: readonly string[], xml: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'bmcemu-virsh-'));
    const file = join(dir, 'domain.xml');
    try {
      await writeFile(file, xml, { mode: 0o600 });
      return await this.run(args.map((a) => (a === 'FILE' ? file : a)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Run one virsh command; resolves with stdout, rejects with a typed BmcEmuError. `timeoutMs` replaces
   * the connection's for commands whose length depends on their data (vol-upload); `onSpawn` gets the
   * virsh process id while it runs (to watch how far vol-upload has read its file).
   */
  async run(
    args: readonly string[],
    input?: string,
    timeoutMs = this.timeoutMs,
    onSpawn?: (pid: number) => void,
  ): Promise<string> {
    this.spawned++;
    const child = execa(this.bin, ['-q', '-c', this.uri, ...args], {
      reject: false,
      timeout: timeoutMs,
      forceKillAfterDelay: 1_000,
      input,
      env: { LC_ALL: 'C' },
    });
    if (onSpawn && child.pid !== undefined) onSpawn(child.pid);
    const r = await child;
    if (r.timedOut) {
      throw errors.driverUnavailable(`libvirt (${this.uri})`, `virsh ${args[0]} did not answer in ${timeoutMs} ms`);
    }
    if (r.exitCode !== 0 || r.failed) {
      const stderr = String(r.stderr ?? '') || String(r.message ?? '');
      throw virshError(this.uri, args, stderr, r);
    }
    return String(r.stdout ?? '');
  }

  /**
   * Several commands in ONE virsh process (virsh's `a; b; c` syntax), split by echo markers. A failed
   * command yields undefined in its slot; a lost connection rejects the whole batch.
   */
  async batch(commands: readonly string[][]): Promise<(string | undefined)[]> {
    if (commands.length === 0) return [];
    const marker = `@@bmcemu-${process.pid}-${Date.now()}@@`;
    const script = commands.map((c) => `${c.map(quote).join(' ')}; echo ${marker}`).join('; ');
    this.spawned++;
    const r = await execa(this.bin, ['-q', '-c', this.uri, script], {
      reject: false,
      timeout: this.timeoutMs,
      forceKillAfterDelay: 1_000,
      env: { LC_ALL: 'C' },
    });
    const stderr = String(r.stderr ?? '');
    if (r.timedOut) throw errors.driverUnavailable(`libvirt (${this.uri})`, `virsh batch did not answer in time`);
    if (UNAVAILABLE.some((re) => re.test(stderr))) throw virshError(this.uri, ['batch'], stderr, r);
    // virsh -q prints echo's text without a newline
    const parts = String(r.stdout ?? '').split(marker);
    if (parts.length < commands.length + 1) {
      throw virshError(this.uri, ['batch'], stderr || 'virsh batch ended early', r);
    }
    return commands.map((_, i) => {
      const out = parts[i] ?? '';
      return out.trim() === '' ? undefined : out;
    });
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
