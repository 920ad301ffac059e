/**
 * Real OpenStack Ironic (Debian's python3-ironic, one `ironic` process, noauth, sqlite) as a test peer.
 * Each instance gets its own folder, a free API port on 127.0.0.1 and its own HTTP server for
 * `[deploy] http_root` (Ironic republishes virtual-media ISOs there).
 *
 *   const ironic = await startIronic();
 *   const { body } = await ironic.api('POST', '/v1/nodes', { driver: 'redfish', driver_info: {...} });
 *   await ironic.waitFor(body.uuid, (n) => n.provision_state === 'manageable');
 *   await ironic.stop();
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { command, fileExists } from './peers.js';

export const IRONIC_API_VERSION = '1.82';

/** Peer checks for requirePeers(). */
export function ironicPeers() {
  return [
    command('ironic', 'python3-ironic ironic-api ironic-conductor'),
    command('ironic-dbsync', 'python3-ironic'),
    fileExists('/usr/lib/python3/dist-packages/ironic', 'python3-ironic'),
  ];
}

export interface IronicResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic's JSON is loosely typed
  body: any;
}

export interface Ironic {
  url: string;
  dir: string;
  httpRoot: string;
  httpUrl: string;
  api(method: string, path: string, body?: unknown): Promise<IronicResponse>;
  /** Poll GET /v1/nodes/{id} until predicate(node) or timeout; returns the node. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
  waitFor(nodeId: string, predicate: (node: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Ironic's log so far (for assertion messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function staticServer(root: string): Server {
  return createHttpServer(async (req, res) => {
    try {
      const rel = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
        /^(\.\.[/\\])+/,
        '',
      );
      const file = join(root, rel);
      if (!file.startsWith(root)) throw new Error('outside root');
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-length': st.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
}

function config(d: string, apiPort: number, httpUrl: string, extra: string): string {
  return `[DEFAULT]
auth_strategy = noauth
rpc_transport = none
host = test-conductor
my_ip = 127.0.0.1
state_path = ${d}/state
tempdir = ${d}/tmp
pybasedir = /usr/lib/python3/dist-packages/ironic
log_file = ${d}/log/ironic.log
debug = true
enabled_hardware_types = redfish,ipmi
enabled_power_interfaces = redfish,ipmitool
enabled_management_interfaces = redfish,ipmitool
enabled_boot_interfaces = redfish-virtual-media,ipxe,pxe
enabled_deploy_interfaces = ramdisk,direct
enabled_inspect_interfaces = redfish,no-inspect
enabled_network_interfaces = noop
enabled_console_interfaces = no-console
enabled_bios_interfaces = no-bios,redfish
enabled_raid_interfaces = no-raid
enabled_rescue_interfaces = no-rescue
enabled_vendor_interfaces = ipmitool,redfish,no-vendor
default_network_interface = noop
[api]
host_ip = 127.0.0.1
port = ${apiPort}
[database]
connection = sqlite:///${d}/ironic.db
[conductor]
automated_clean = false
sync_power_state_interval = 60
[dhcp]
dhcp_provider = none
[deploy]
http_url = ${httpUrl}
http_root = ${d}/www
[pxe]
tftp_root = ${d}/tftpboot
tftp_master_path = ${d}/tftpboot/master_images
[ipmi]
min_command_interval = 1
[redfish]
use_swift = false
[oslo_concurrency]
lock_path = ${d}/locks
[oslo_policy]
policy_dirs = ${d}/policy.d
${extra}`;
}

export interface StartIronicOptions {
  /** Extra ini text appended to ironic.conf (later sections win). */
  extraConfig?: string;
  startTimeoutMs?: number;
}

export async function startIronic(opts: StartIronicOptions = {}): Promise<Ironic> {
  const dir = await mkdtemp(join(tmpdir(), 'bmcemu-ironic-'));
  for (const sub of ['state', 'tmp', 'log', 'www', 'tftpboot/master_images', 'locks', 'policy.d']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const httpRoot = join(dir, 'www');
  const http = staticServer(httpRoot);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const apiPort = await freePort();
  const conf = join(dir, 'ironic.conf');
  await writeFile(conf, config(dir, apiPort, httpUrl, opts.extraConfig ?? ''));
  execFileSync('ironic-dbsync', ['--config-file', conf, 'create_schema'], { stdio: 'ignore', timeout: 120_000 });
  // requests honours REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE over a per-call `verify`, which would make
  // Ironic distrust the CA a test hands it in driver_info.
  const env = { ...process.env };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  const proc: ChildProcess = spawn('/usr/bin/ironic', ['--config-file', conf], {
    stdio: 'ignore',
    detached: false,
    env,
  });
  const url = `http://127.0.0.1:${apiPort}`;

  async function api(method: string, path: string, body?: unknown): Promise<IronicResponse> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'X-OpenStack-Ironic-API-Version': IRONIC_API_VERSION,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed };
  }

  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    await new Promise((r) => http.close(r));
    if (!process.env.BMCEMU_KEEP_IRONIC) await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (proc.exitCode !== null) {
      const log = await readFile(join(dir, 'log/ironic.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`ironic exited with ${proc.exitCode} during start:\n${log.slice(-3000)}`);
    }
    try {
      const r = await api('GET', '/v1/drivers');
      if (r.status === 200 && Array.isArray(r.body?.drivers) && r.body.drivers.length > 0) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error('ironic did not answer on /v1/drivers in time');
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    dir,
    httpRoot,
    httpUrl,
    api,
    async waitFor(nodeId, predicate, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Ironic node JSON
      let last: any;
      for (;;) {
        const r = await api('GET', `/v1/nodes/${nodeId}`);
        last = r.body;
        if (r.status === 200 && predicate(last)) return last;
        if (Date.now() > until) {
          throw new Error(
            `ironic node ${nodeId} did not reach the expected state in ${timeoutMs} ms; last: provision_state=${last?.provision_state} power_state=${last?.power_state} last_error=${last?.last_error}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    log: () => readFile(join(dir, 'log/ironic.log'), 'utf8').catch(() => ''),
    stop,
  };
}
