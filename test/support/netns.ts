/**
 * Test-made network namespaces (the only non-loopback place tests may send traffic).
 * Every namespace made here is deleted by `destroy()`; names carry the pid so parallel runs do not clash.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

let seq = 0;

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

export class NetNs {
  readonly name: string;
  private readonly children: ChildProcess[] = [];

  constructor(prefix = 'bmct') {
    // Linux interface-ish names: keep short
    this.name = `${prefix}${process.pid % 100000}${seq++}`;
    ip('netns', 'add', this.name);
    this.exec('ip', 'link', 'set', 'lo', 'up');
  }

  exec(cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8' });
  }

  /** Start a long-running process inside the namespace; killed by destroy(). */
  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'pipe', ...opts });
    this.children.push(child);
    return child;
  }

  /**
   * A bridge with an address, e.g. addBridge('br0', '172.30.0.1/24'). Its MAC is set once (locally
   * administered): a bridge left to itself takes its lowest port's MAC, so a port added mid-test can change
   * it under the clients' ARP caches, and their frames to the old MAC were seen not to arrive.
   */
  addBridge(name: string, cidr?: string): void {
    const mac = ['02', ...randomBytes(5).toString('hex').match(/../g)!].join(':');
    this.exec('ip', 'link', 'add', name, 'address', mac, 'type', 'bridge');
    if (cidr) this.exec('ip', 'addr', 'add', cidr, 'dev', name);
    this.exec('ip', 'link', 'set', name, 'up');
  }

  /**
   * A veth pair: `inside` stays here (optionally enslaved to `bridge`), `outside` moves to `peer`.
   */
  addVeth(inside: string, outside: string, peer: NetNs, bridge?: string): void {
    this.exec('ip', 'link', 'add', inside, 'type', 'veth', 'peer', 'name', outside);
    this.exec('ip', 'link', 'set', outside, 'netns', peer.name);
    if (bridge) this.exec('ip', 'link', 'set', inside, 'master', bridge);
    this.exec('ip', 'link', 'set', inside, 'up');
    peer.exec('ip', 'link', 'set', outside, 'up');
  }

  destroy(): void {
    for (const c of this.children) {
      if (c.exitCode === null && c.pid) {
        try {
          c.kill('SIGKILL');
        } catch {}
      }
    }
    // kill anything else still living in the namespace
    try {
      const pids = execFileSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {}
      }
    } catch {}
    try {
      ip('netns', 'del', this.name);
    } catch {}
  }
}
