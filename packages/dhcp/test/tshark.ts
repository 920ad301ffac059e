/** Capture DHCP on an interface inside a namespace with tshark, then decode it with tshark's own dissector. */
import { type ChildProcess, execFileSync } from 'node:child_process';
import type { NetNs } from '../../../test/support/netns.js';
import { sleep } from './netns-harness.js';

export const REPLY_FIELDS = [
  'dhcp.hw.mac_addr',
  'dhcp.option.dhcp',
  'dhcp.ip.your',
  'dhcp.ip.server',
  'dhcp.server',
  'dhcp.file',
  'dhcp.option.bootfile_name',
  'dhcp.option.tftp_server_name',
  'dhcp.option.vendor_class_id',
  'dhcp.option.dhcp_server_id',
  'dhcp.option.vendor.pxeclient.discovery_control',
  'udp.srcport',
] as const;

export const REQUEST_FIELDS = [
  'dhcp.hw.mac_addr',
  'dhcp.option.dhcp',
  'dhcp.option.client_system_architecture',
  'dhcp.option.vendor_class_id',
  'dhcp.option.user_class',
] as const;

export class Capture {
  private proc: ChildProcess | undefined;

  constructor(
    private readonly ns: NetNs,
    private readonly iface: string,
    readonly file: string,
  ) {}

  async start(): Promise<void> {
    this.proc = this.ns.spawn('tshark', [
      '-q',
      '-i',
      this.iface,
      '-f',
      'udp port 67 or udp port 68 or udp port 4011',
      '-w',
      this.file,
    ]);
    let err = '';
    this.proc.stderr?.on('data', (d) => {
      err += d;
    });
    const until = Date.now() + 15_000;
    while (!err.includes('Capturing on')) {
      if (Date.now() > until || this.proc.exitCode !== null) throw new Error(`tshark did not start: ${err}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await sleep(300);
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGINT');
    await Promise.race([done, sleep(5000)]);
  }

  /** One record per packet matching `filter`, keyed by field name (multi-valued fields joined by ","). */
  read(filter: string, fields: readonly string[]): Array<Record<string, string>> {
    const out = execFileSync(
      'tshark',
      [
        '-r',
        this.file,
        '-d',
        'udp.port==4011,dhcp',
        '-Y',
        filter,
        '-T',
        'fields',
        '-E',
        'separator=|',
        ...fields.flatMap((f) => ['-e', f]),
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => Object.fromEntries(line.split('|').map((v, i) => [fields[i]!, v])));
  }
}
