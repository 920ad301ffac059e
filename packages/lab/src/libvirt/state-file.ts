import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@bmc-emu/core';

export type ObjectKind = 'network' | 'pool' | 'volume' | 'domain';

/** One libvirt object `up` made: `pending` is written before the call, `done` after it. */
export interface StateObject {
  kind: ObjectKind;
  name: string;
  /** Volumes: their pool. */
  pool?: string;
  status: 'pending' | 'done';
}

/** What `up` made, so `down` removes exactly that and an interrupted run is finished next time. */
export interface LabState {
  version: 1;
  lab: string;
  uri: string;
  objects: StateObject[];
}

export const stateFilePath = (stateDir: string) => join(stateDir, 'lab-state.json');
const key = (o: Pick<StateObject, 'kind' | 'name' | 'pool'>) => `${o.kind}:${o.pool ?? ''}/${o.name}`;

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

  has(o: Pick<StateObject, 'kind' | 'name' | 'pool'>): boolean {
    return this.state.objects.some((x) => key(x) === key(o));
  }

  async mark(o: Omit<StateObject, 'status'>, status: StateObject['status']): Promise<void> {
    const rest = this.state.objects.filter((x) => key(x) !== key(o));
    this.state = { ...this.state, objects: [...rest, { ...o, status }] };
    await this.save();
  }

  async forget(o: Pick<StateObject, 'kind' | 'name' | 'pool'>): Promise<void> {
    this.state = { ...this.state, objects: this.state.objects.filter((x) => key(x) !== key(o)) };
    await this.save();
  }

  /** No object left: the file goes too. */
  async removeIfEmpty(): Promise<void> {
    if (this.state.objects.length === 0) await rm(this.path, { force: true });
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}
