import type { BmcRecord } from '../bmc-record.js';
import type { BmcPatch } from '../registry/operations.js';
import type { RegistryFile } from '../registry/schema.js';

/** What `bmc-emu bmc ...` can ask, whether a server runs (socket) or not (the file itself). */
export interface BmcManagement {
  /** 'live': a running serve applied it; 'offline': written to the file, applied at the next start. */
  readonly mode: 'live' | 'offline';
  list(): Promise<RegistryFile>;
  add(record: BmcRecord): Promise<RegistryFile>;
  set(node: string, patch: BmcPatch): Promise<RegistryFile>;
  delete(node: string): Promise<RegistryFile>;
  start(node: string): Promise<RegistryFile>;
  stop(node: string): Promise<RegistryFile>;
  close(): Promise<void>;
}

export type Operation =
  | { op: 'add'; record: BmcRecord }
  | { op: 'set'; node: string; patch: BmcPatch }
  | { op: 'delete'; node: string }
  | { op: 'start'; node: string }
  | { op: 'stop'; node: string };
