import { readFile } from 'node:fs/promises';
import type { EventBus, Logger } from '@bmc-emu/core';
import { type LabState, stateFilePath } from '@bmc-emu/lab';
import { type LabBuilt, LabBook } from '@bmc-emu/manage';
import type { Config } from './config-schema.js';

/** What a lab's state file (`<lab stateDir>/lab-state.json`) records now; null when there is none for that lab. */
export async function readLabBuilt(labStateDir: string, lab: string): Promise<LabBuilt | null> {
  let state: LabState;
  try {
    state = JSON.parse(await readFile(stateFilePath(labStateDir), 'utf8')) as LabState;
  } catch {
    return null;
  }
  if (state?.lab !== lab || !Array.isArray(state.objects)) return null;
  const byKind: Record<string, number> = {};
  for (const o of state.objects) byKind[o.kind] = (byKind[o.kind] ?? 0) + 1;
  return { objects: state.objects.length, pending: state.objects.filter((o) => o.status === 'pending').length, byKind };
}

/** The labs this serve knows of (labs.json in its state dir), their steps published on the bus. */
export async function loadLabBook(config: Readonly<Config>, bus: EventBus, logger: Logger): Promise<LabBook> {
  const book = new LabBook({
    stateDir: config.stateDir,
    publish: (e) => bus.publish(e),
    readBuilt: readLabBuilt,
    logger,
  });
  await book.load();
  return book;
}
