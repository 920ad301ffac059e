import { errors } from '@bmc-emu/core';
import type { LibvirtObjects } from '@bmc-emu/libvirt';
import { carryForeignMetadata } from '../render/tag.js';
import type { Step } from './plan.js';
import type { StateFile } from './state-file.js';

/** One progress event: a step starting, done or failed (the CLI prints lines, JSON or spinners). */
export interface ProgressEvent {
  phase: 'start' | 'done' | 'failed';
  step: Step;
  index: number;
  total: number;
  error?: string;
}

export type Progress = (e: ProgressEvent) => void;

export interface ApplyOptions {
  objects: LibvirtObjects;
  state: StateFile;
  pool: { name: string; path: string };
  progress?: Progress;
  /** Checked between steps: SIGINT stops after the running step, with the state file true. */
  signal?: AbortSignal;
  /** Current domain XML by name (foreign metadata is carried over on redefine). */
  currentXml?: (kind: 'domain' | 'network', name: string) => string | undefined;
  /** The hypervisor these objects are on (recorded with each object in the state file). */
  host?: { name: string; uri: string };
}

async function run(step: Step, o: ApplyOptions): Promise<void> {
  const { objects, state } = o;
  const ref = {
    kind: step.kind,
    name: step.name,
    ...(step.pool ? { pool: step.pool } : {}),
    ...(o.host ? { host: o.host.name } : {}),
  };
  const uri = o.host?.uri;
  switch (`${step.action}:${step.kind}`) {
    case 'create:pool':
      await state.mark(ref, 'pending', uri);
      await objects.createDirPool(step.name, o.pool.path);
      await state.mark(ref, 'done', uri);
      return;
    case 'update:pool':
      await objects.startPool(step.name);
      return;
    case 'create:network':
    case 'update:network': {
      if (step.action === 'create') await state.mark(ref, 'pending', uri);
      if (step.active) await objects.removeNetwork(step.name, true).catch(() => undefined);
      await objects.defineNetwork(step.xml!);
      await objects.startNetwork(step.name);
      await state.mark(ref, 'done', uri);
      return;
    }
    case 'create:volume':
      await state.mark(ref, 'pending', uri);
      await objects.createVolume(step.pool!, step.name, step.gib!);
      await state.mark(ref, 'done', uri);
      return;
    case 'resize:volume':
      await objects.resizeVolume(step.pool!, step.name, step.gib!);
      return;
    case 'create:domain':
    case 'update:domain': {
      if (step.action === 'create') await state.mark(ref, 'pending', uri);
      const cur = o.currentXml?.('domain', step.name);
      await objects.defineDomain(cur ? carryForeignMetadata(cur, step.xml!) : step.xml!);
      await state.mark(ref, 'done', uri);
      return;
    }
    case 'remove:domain':
      await objects.removeDomain(step.name, step.active === true);
      await state.forget(ref);
      return;
    case 'remove:volume':
      await objects.deleteVolume(step.pool!, step.name);
      await state.forget(ref);
      return;
    case 'remove:pool':
      await objects.removePool(step.name, step.active === true, true);
      await state.forget(ref);
      return;
    case 'remove:network':
      await objects.removeNetwork(step.name, step.active === true);
      await state.forget(ref);
      return;
    default:
      // keep / manual / refuse: nothing to do here
      return;
  }
}

/** Run the steps in order; each is recorded in the state file before and after its libvirt call. */
export async function applySteps(steps: Step[], o: ApplyOptions): Promise<void> {
  const todo = steps.filter((s) => s.action !== 'keep' && s.action !== 'manual' && s.action !== 'refuse');
  for (const [i, step] of todo.entries()) {
    if (o.signal?.aborted)
      throw errors.conflict('interrupted; the state file is up to date: run the same command again');
    o.progress?.({ phase: 'start', step, index: i + 1, total: todo.length });
    try {
      await run(step, o);
    } catch (err) {
      o.progress?.({ phase: 'failed', step, index: i + 1, total: todo.length, error: (err as Error).message });
      throw err;
    }
    o.progress?.({ phase: 'done', step, index: i + 1, total: todo.length });
  }
}
