import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@bmc-emu/core';
import type { BmcRecord } from '@bmc-emu/manage';

export type ObjectKind = 'network' | 'pool' | 'volume' | 'domain';

/** One libvirt object `up` made: `pending` is written before the call, `done` after it. */
export interface StateObject {
  kind: ObjectKind;
  name: string;
  /** Volumes: their pool. */
  pool?: string;
  /** The hypervisor (lab.yaml name) it is on; absent in files written before labs spanned hosts: the first. */
  host?: string;
  status: 'pending' | 'done';
}

/** A BMC `up` put into a serve's registry: `down` deletes it, or puts `previous` back when it replaced one. */
export interface StateBmc {
  node: string;
  serveStateDir: string;
  previous?: BmcRecord;
  status: 'pending' | 'done';
}

/** What `up` made, so `down` removes exactly that and an interrupted run is finished next time. */
export interface LabState {
  version: 1;
  lab: string;
  uri: string;
  /** The URI of every hypervisor an object was made on, by name (so `down` reaches hosts lab.yaml dropped). */
  hosts?: Record<string, string>;
  objects: StateObject[];
  bmcs?: StateBmc[];
}

export const stateFilePath = (stateDir: string) => join(stateDir, 'lab-state.json');
type Ref = Pick<StateObject, 'kind' | 'name' | 'pool' | 'host'>;
const key = (o: Ref) => `${o.host ?? ''}|${o.kind}:${o.pool ?? ''}/${o.name}`;

/** The state file, every change written atomically before the call returns. */
export class StateFile {
  private constructor(
    private readonly path: string,
    private state: LabState,
  ) {}

  static async open(stateDir: string, lab: string, uri: string): Promise<StateFile> {
    const path = stateFilePath(stateDir);
    let state: LabState = { version: 1, lab, uri, objects: [] };
    try {
      const saved = JSON.parse(await readFile(path, 'utf8')) as LabState;
      if (saved.version === 1 && saved.lab === lab && Array.isArray(saved.objects)) state = { ...saved, uri };
    } catch {
      // no state yet
    }
    return new StateFile(path, state);
  }

  get objects(): readonly StateObject[] {
    return this.state.objects;
  }

  get bmcs(): readonly StateBmc[] {
    return this.state.bmcs ?? [];
  }

  get hosts(): Readonly<Record<string, string>> {
    return this.state.hosts ?? {};
  }

  /** Objects without a host (older files) are the first hypervisor's. */
  adoptHost(name: string): void {
    this.state = { ...this.state, objects: this.state.objects.map((o) => (o.host ? o : { ...o, host: name })) };
  }

  /** One entry per node and serve state dir (a lab may be registered with several serves). */
  async markBmc(b: StateBmc): Promise<void> {
    const rest = this.bmcs.filter((x) => x.node !== b.node || x.serveStateDir !== b.serveStateDir);
    this.state = { ...this.state, bmcs: [...rest, b] };
    await this.save();
  }

  async forgetBmc(b: Pick<StateBmc, 'node' | 'serveStateDir'>): Promise<void> {
    const rest = this.bmcs.filter((x) => x.node !== b.node || x.serveStateDir !== b.serveStateDir);
    this.state = { ...this.state, bmcs: rest };
    await this.save();
  }

  has(o: Ref): boolean {
    return this.state.objects.some((x) => key(x) === key(o));
  }

  async mark(o: Omit<StateObject, 'status'>, status: StateObject['status'], uri?: string): Promise<void> {
    const rest = this.state.objects.filter((x) => key(x) !== key(o));
    const hosts = o.host && uri ? { ...this.hosts, [o.host]: uri } : this.state.hosts;
    this.state = { ...this.state, ...(hosts ? { hosts } : {}), objects: [...rest, { ...o, status }] };
    await this.save();
  }

  async forget(o: Ref): Promise<void> {
    this.state = { ...this.state, objects: this.state.objects.filter((x) => key(x) !== key(o)) };
    await this.save();
  }

  /** No object left: the file goes too. */
  async removeIfEmpty(): Promise<void> {
    if (this.state.objects.length === 0 && this.bmcs.length === 0) await rm(this.path, { force: true });
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}
