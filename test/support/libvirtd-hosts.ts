/**
 * Several private libvirtds at once, each a "host" of its own: its own network namespace (reached from
 * the test over a veth pair, 10.253.x.0/30) and its own mount namespace (tmpfs over /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt, /etc/libvirt/qemu and /etc/libvirt/storage, so the daemons never
 * see each other's sockets, state, domain or pool definitions). libvirtd listens on qemu+tcp://<ns-ip>/system (auth none,
 * inside the test's namespace only); a host started with `ssh: true` also runs an sshd in its namespaces
 * with a fresh host key and a test client key (qemu+ssh://root@<ns-ip>/system).
 *
 * The machine-wide lock of ./libvirtd.ts is held from the first daemon to stop(), so no other test's
 * libvirtd runs meanwhile. Everything is stopped by pid; the namespaces and veths are deleted.
 *
 *   const hosts = await startLibvirtdHosts([{}, { ssh: true }]);
 *   hosts[0].tcpUri; hosts[1].sshUri; await hosts[0].kill(); await hosts[0].restart(); await stopAll(hosts)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockLibvirtd, TEST_DOMAIN_PREFIX } from './libvirtd.js';
import { ip, NetNs } from './netns.js';
import { command } from './peers.js';

/** Peer checks (with libvirtPeers) for tests that need the ssh host. */
export const sshHostPeers = () => [
  command('sshd', 'openssh-server'),
  command('ssh', 'openssh-client'),
  command('ssh-keygen', 'openssh-client'),
  command('nsenter', 'util-linux'),
  command('unshare', 'util-linux'),
];

export interface LibvirtdHost {
  index: number;
  ip: string;
  netns: NetNs;
  tcpUri: string;
  /** qemu+ssh URI with keyfile= (and no_verify=1: the host key is fresh each run). */
  sshUri?: string;
  /** libssh URI checking the host key against `knownHosts`. */
  libsshUri?: string;
  /** A known_hosts file holding this host's key; a private client key for root. */
  knownHosts?: string;
  clientKey?: string;
  dir: string;
  readonly pid: number;
  /** SIGKILL libvirtd (a crash); guests keep running. */
  kill(): Promise<void>;
  /** Start libvirtd again in the same namespaces and wait until it answers. */
  restart(): Promise<void>;
  virsh(...args: string[]): string;
  /** Define (not start) a TCG domain from fixtures/libvirt/tcg-node.xml on this host. */
  defineDomain(label: string): { name: string; uuid: string };
}

let seq = 0;

function exited(p: ChildProcess, ms: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return Promise.race([
    new Promise<void>((r) => p.once('exit', () => r())),
    new Promise<void>((r) => setTimeout(r, ms)),
  ]);
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function answers(uri: string): boolean {
  try {
    execFileSync('virsh', ['-q', '-c', uri, 'uri'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

// /etc/libvirt/storage too: a pool a test defines (e.g. bmc-emu's media pool) must not outlive its host
const MOUNTS = ['/run/libvirt', '/var/lib/libvirt', '/var/cache/libvirt', '/etc/libvirt/qemu', '/etc/libvirt/storage'];

async function startHost(index: number, ssh: boolean): Promise<LibvirtdHost & { stop(): Promise<void> }> {
  const subnet = ((process.pid % 50) * 5 + index) % 250;
  const hostIp = `10.253.${subnet}.2`;
  const rootIp = `10.253.${subnet}.1`;
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-hv-'));
  chmodSync(dir, 0o755);
  const netns = new NetNs('bmchv');
  const veth = `hvr${process.pid % 10000}${seq++}`.slice(0, 15);
  const children: ChildProcess[] = [];
  try {
    ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'hv0', 'netns', netns.name);
    ip('addr', 'add', `${rootIp}/30`, 'dev', veth);
    ip('link', 'set', veth, 'up');
    netns.exec('ip', 'addr', 'add', `${hostIp}/30`, 'dev', 'hv0');
    netns.exec('ip', 'link', 'set', 'hv0', 'up');
    netns.addBridge('br0');
    writeFileSync(
      join(dir, 'libvirtd.conf'),
      `listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "${hostIp}"\nauth_tcp = "none"\nauth_unix_rw = "none"\n`,
    );
    // the holder owns the private mount namespace; the daemons join it (and the netns) with nsenter
    const ready = join(dir, 'ready');
    const holder = netns.spawn(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-ec',
        `for d in ${MOUNTS.join(' ')}; do mkdir -p $d; mount -t tmpfs tmpfs $d; done
mkdir -p /var/lib/libvirt/qemu /var/lib/libvirt/images /var/cache/libvirt/qemu
touch ${ready}; exec sleep infinity`,
      ],
      { stdio: 'ignore' },
    );
    children.push(holder);
    await waitFor(() => existsSync(ready), 10_000, 'the host namespace');
    const enter = (cmd: string, args: string[]) => {
      const c = spawn('nsenter', ['-t', String(holder.pid), '-m', '-n', '--', cmd, ...args], { stdio: 'ignore' });
      children.push(c);
      return c;
    };
    enter('virtlogd', ['-p', join(dir, 'virtlogd.pid')]);
    const startDaemon = () =>
      enter('libvirtd', ['--listen', '-p', join(dir, 'libvirtd.pid'), '-f', join(dir, 'libvirtd.conf')]);
    let daemon = startDaemon();
    const tcpUri = `qemu+tcp://${hostIp}/system`;
    const host: LibvirtdHost & { stop(): Promise<void> } = {
      index,
      ip: hostIp,
      netns,
      tcpUri,
      dir,
      get pid() {
        return daemon.pid ?? 0;
      },
      async kill() {
        daemon.kill('SIGKILL');
        await exited(daemon, 5_000);
      },
      async restart() {
        daemon = startDaemon();
        await waitFor(() => answers(tcpUri), 30_000, `libvirtd on ${hostIp} to answer again`);
      },
      virsh: (...args: string[]) =>
        execFileSync('virsh', ['-q', '-c', tcpUri, ...args], { encoding: 'utf8', timeout: 20_000, stdio: 'pipe' }),
      defineDomain(label: string) {
        const disk = join(dir, `${label}.qcow2`);
        execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
        const name = `${TEST_DOMAIN_PREFIX}${label}-${process.pid % 10000}-${index}`;
        const mac = `52:54:00:7d:${subnet.toString(16).padStart(2, '0')}:${(seq++ % 256).toString(16).padStart(2, '0')}`;
        const xml = readFileSync(new URL('../../fixtures/libvirt/tcg-node.xml', import.meta.url), 'utf8')
          .replace(/<!--[\s\S]*?-->\n/, '')
          .replace('{{NAME}}', name)
          .replace('{{DISK}}', disk)
          .replace('{{MAC}}', mac);
        const file = join(dir, `${label}.xml`);
        writeFileSync(file, xml);
        host.virsh('define', file);
        return { name, uuid: host.virsh('domuuid', name).trim() };
      },
      async stop() {
        if (daemon.exitCode === null && answers(tcpUri)) {
          for (const n of host
            .virsh('list', '--all', '--name')
            .split('\n')
            .map((s) => s.trim())) {
            if (!n.startsWith(TEST_DOMAIN_PREFIX)) continue;
            try {
              host.virsh('destroy', n);
            } catch {}
            try {
              host.virsh('undefine', n);
            } catch {}
          }
        }
        for (const c of children.reverse()) {
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
          await exited(c, 5_000);
        }
        netns.destroy();
        try {
          ip('link', 'del', veth);
        } catch {}
        if (host.sshUri) forgetHostKey(hostIp);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    if (ssh) {
      const hostKey = join(dir, 'ssh_host_ed25519_key');
      const clientKey = join(dir, 'client_ed25519');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
      const knownHosts = join(dir, 'known_hosts');
      writeFileSync(
        knownHosts,
        `${hostIp} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
      );
      writeFileSync(
        join(dir, 'sshd_config'),
        [
          `ListenAddress ${hostIp}:22`,
          `HostKey ${hostKey}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          `PidFile ${join(dir, 'sshd.pid')}`,
          '',
        ].join('\n'),
      );
      execFileSync('mkdir', ['-p', '/run/sshd']);
      enter('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')]);
      host.sshUri = `qemu+ssh://root@${hostIp}/system?keyfile=${clientKey}&no_verify=1`;
      host.libsshUri = `qemu+libssh://root@${hostIp}/system?keyfile=${clientKey}&known_hosts=${knownHosts}&sshauth=privkey`;
      host.knownHosts = knownHosts;
      host.clientKey = clientKey;
    }
    await waitFor(() => answers(tcpUri), 30_000, `libvirtd on ${hostIp}`);
    if (host.sshUri) await waitFor(() => answers(host.sshUri!), 15_000, `sshd on ${hostIp}`);
    return host;
  } catch (err) {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    netns.destroy();
    try {
      ip('link', 'del', veth);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * openssh's StrictHostKeyChecking=no (libvirt's no_verify=1) still records the fresh host key in root's
 * ~/.ssh/known_hosts: take it out again (and ssh-keygen's .old copy when there was none before).
 */
function forgetHostKey(hostIp: string): void {
  const file = join(homedir(), '.ssh', 'known_hosts');
  if (!existsSync(file)) return;
  const hadOld = existsSync(`${file}.old`);
  try {
    execFileSync('ssh-keygen', ['-R', hostIp, '-f', file], { stdio: 'ignore' });
  } catch {}
  if (!hadOld && existsSync(`${file}.old`)) unlinkSync(`${file}.old`);
}

export type RunningHosts = LibvirtdHost[] & { stop(): Promise<void> };

/** Start one private libvirtd "host" per spec, holding the machine-wide libvirtd lock until stop(). */
export async function startLibvirtdHosts(specs: { ssh?: boolean }[]): Promise<RunningHosts> {
  const release = await lockLibvirtd();
  const hosts: (LibvirtdHost & { stop(): Promise<void> })[] = [];
  const stopAll = async () => {
    try {
      for (const h of hosts.reverse()) await h.stop().catch(() => undefined);
    } finally {
      release();
    }
  };
  try {
    for (const [i, s] of specs.entries()) hosts.push(await startHost(i, s.ssh ?? false));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return Object.assign([...hosts], { stop: stopAll });
}
