import { Virsh } from './virsh.js';

/** One volume of a pool as `vol-list --details` shows it. */
export interface VolumeInfo {
  name: string;
  path: string;
  capacityBytes: number;
}

/** What one call to `snapshot()` saw on a libvirt connection (names -> inactive XML). */
export interface LibvirtSnapshot {
  networks: Map<string, { xml: string; active: boolean }>;
  domains: Map<string, { xml: string; state: string }>;
  pools: Map<string, { xml: string; active: boolean }>;
}

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * Networks, storage pools, volumes and domain definitions over `virsh` (what packages/lab builds labs
 * with). Every call is one virsh process; reads that need many objects use one batch.
 */
export class LibvirtObjects {
  readonly virsh: Virsh;

  constructor(opts: { uri: string; timeoutMs?: number } | Virsh) {
    this.virsh = opts instanceof Virsh ? opts : new Virsh(opts);
  }

  get uri(): string {
    return this.virsh.uri;
  }

  /** Calls made so far (benchmarks report it). */
  get calls(): number {
    return this.virsh.spawned;
  }

  async listNetworks(): Promise<string[]> {
    return lines(await this.virsh.run(['net-list', '--all', '--name']));
  }

  async listDomains(): Promise<string[]> {
    return lines(await this.virsh.run(['list', '--all', '--name']));
  }

  async listPools(): Promise<string[]> {
    return lines(await this.virsh.run(['pool-list', '--all', '--name']));
  }

  /** Every network, domain and pool with its persistent XML, in three list calls and one batch. */
  async snapshot(): Promise<LibvirtSnapshot> {
    const [nets, doms, pools, activeNets, activePools] = await Promise.all([
      this.listNetworks(),
      this.listDomains(),
      this.listPools(),
      this.virsh.run(['net-list', '--name']).then(lines),
      this.virsh.run(['pool-list', '--name']).then(lines),
    ]);
    const cmds = [
      ...nets.map((n) => ['net-dumpxml', '--inactive', n]),
      ...doms.flatMap((d) => [
        ['dumpxml', '--inactive', d],
        ['domstate', d],
      ]),
      ...pools.map((p) => ['pool-dumpxml', '--inactive', p]),
    ];
    const out = await this.virsh.batch(cmds);
    const snap: LibvirtSnapshot = { networks: new Map(), domains: new Map(), pools: new Map() };
    let i = 0;
    for (const n of nets) snap.networks.set(n, { xml: out[i++] ?? '', active: activeNets.includes(n) });
    for (const d of doms) {
      const xml = out[i++] ?? '';
      snap.domains.set(d, { xml, state: (out[i++] ?? '').trim() });
    }
    for (const p of pools) snap.pools.set(p, { xml: out[i++] ?? '', active: activePools.includes(p) });
    return snap;
  }

  async defineNetwork(xml: string): Promise<void> {
    await this.virsh.runWithXml(['net-define', 'FILE'], xml);
  }

  async startNetwork(name: string): Promise<void> {
    await this.virsh.run(['net-start', name]);
    await this.virsh.run(['net-autostart', name]);
  }

  /** Stop (if active) and undefine. */
  async removeNetwork(name: string, active: boolean): Promise<void> {
    if (active) await this.virsh.run(['net-destroy', name]);
    await this.virsh.run(['net-undefine', name]);
  }

  /** A `dir` pool at `path`, built (directory made) and started. */
  async createDirPool(name: string, path: string): Promise<void> {
    await this.virsh.run(['pool-define-as', name, 'dir', '--target', path]);
    await this.virsh.run(['pool-build', name]);
    await this.virsh.run(['pool-start', name]);
    await this.virsh.run(['pool-autostart', name]);
  }

  async startPool(name: string): Promise<void> {
    await this.virsh.run(['pool-start', name]);
  }

  /** Stop, delete the (empty) directory when `deleteDir`, undefine. */
  async removePool(name: string, active: boolean, deleteDir: boolean): Promise<void> {
    if (active) await this.virsh.run(['pool-destroy', name]);
    if (deleteDir) await this.virsh.run(['pool-delete', name]);
    await this.virsh.run(['pool-undefine', name]);
  }

  async listVolumes(pool: string): Promise<VolumeInfo[]> {
    await this.virsh.run(['pool-refresh', pool]);
    const names = lines(await this.virsh.run(['vol-list', pool]))
      .map((l) => l.split(/\s+/))
      .filter((p) => p.length >= 2 && p[0] !== 'Name' && !/^-+$/.test(p[0]!));
    if (names.length === 0) return [];
    const info = await this.virsh.batch(names.map(([n]) => ['vol-info', '--bytes', '--pool', pool, n!]));
    return names.map(([name, path], i) => {
      const cap = /Capacity:\s+(\d+)/.exec(info[i] ?? '')?.[1];
      return { name: name!, path: path!, capacityBytes: Number(cap ?? 0) };
    });
  }

  /** A thin (sparse) qcow2 volume of `gib` GiB. */
  async createVolume(pool: string, name: string, gib: number): Promise<void> {
    await this.virsh.run(['vol-create-as', pool, name, `${gib}G`, '--format', 'qcow2']);
  }

  async resizeVolume(pool: string, name: string, gib: number): Promise<void> {
    await this.virsh.run(['vol-resize', '--pool', pool, name, `${gib}G`]);
  }

  async deleteVolume(pool: string, name: string): Promise<void> {
    await this.virsh.run(['vol-delete', '--pool', pool, name]);
  }

  async defineDomain(xml: string): Promise<void> {
    await this.virsh.runWithXml(['define', 'FILE'], xml);
  }

  /** Force off when running, then undefine with its NVRAM. */
  async removeDomain(name: string, running: boolean): Promise<void> {
    if (running) await this.virsh.run(['destroy', name]);
    await this.virsh.run(['undefine', '--nvram', name]);
  }

  /** `net-dhcp-leases`: MAC -> leased IPs. */
  async leases(network: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const l of lines(await this.virsh.run(['net-dhcp-leases', network]))) {
      const m = /([0-9a-f]{2}(?::[0-9a-f]{2}){5})\s+\S+\s+([0-9a-f.:]+)\/\d+/i.exec(l);
      if (m) out.set(m[1]!.toLowerCase(), [...(out.get(m[1]!.toLowerCase()) ?? []), m[2]!]);
    }
    return out;
  }
}
