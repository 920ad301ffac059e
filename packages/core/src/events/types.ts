import type { BootOverride, MediaSlot, PowerState } from '../node.js';

export type MediaDownloadPhase = 'started' | 'progress' | 'done' | 'failed';

/** Who caused a change: the protocol and, where known, the account. */
export interface Actor {
  via: 'ipmi' | 'redfish' | 'console' | 'cli' | 'driver' | 'lab' | 'bmc';
  user?: string;
}

/** What every event carries; `node` is the node's UUID where the event concerns one node. */
interface Envelope {
  /** Monotonic per process, from 1; gaps never happen. */
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  node?: string;
}

export type RackEventBody =
  | { kind: 'power'; node: string; state: PowerState; by?: Actor }
  | { kind: 'boot'; node: string; boot: BootOverride; by?: Actor }
  | { kind: 'media'; node: string; slot: MediaSlot; inserted: boolean; image?: string; by?: Actor }
  | { kind: 'node'; node: string; change: 'added' | 'removed' | 'changed' }
  | {
      kind: 'ipmi';
      node?: string;
      netFn: number;
      cmd: number;
      /** IPMI completion code of the answer. */
      cc: number;
      user?: string;
      session: 'none' | '1.5' | '2.0';
    }
  | { kind: 'redfish'; node?: string; method: string; path: string; status: number; user?: string; ms: number }
  | {
      kind: 'dhcp';
      node?: string;
      message: 'DISCOVER' | 'OFFER' | 'REQUEST' | 'ACK' | 'NAK' | 'DECLINE' | 'RELEASE' | 'INFORM';
      mac: string;
      ip?: string;
      arch?: number;
      subnet?: string;
    }
  | { kind: 'tftp'; node?: string; file: string; bytes: number; ms: number; error?: string; peer: string }
  | { kind: 'http'; node?: string; path: string; status: number; bytes: number; ms: number; peer: string; mac?: string }
  | {
      kind: 'media-download';
      node?: string;
      url: string;
      /** started (bytes 0), progress (rate-limited), done or failed; absent from older publishers. */
      phase?: MediaDownloadPhase;
      slot?: MediaSlot;
      /** Bytes on disk so far (resumed bytes included); the image size once done. */
      bytes: number;
      total?: number;
      /** true for done and failed. */
      done: boolean;
      /** done without a download: the cache held the image (or the server answered 304). */
      hit?: boolean;
      error?: string;
      /** The error's BMCEMU_* code, with error. */
      code?: string;
    }
  /** A NodeDriver operation failed (published by the instrumented driver every front end gets). */
  | { kind: 'driver-error'; node?: string; op: string; code: string; message: string }
  /**
   * A `lab up`/`down` step as the CLI reported it over the management API: `index` 1..`total`, or 0 for the
   * run as a whole (`step` is then the run's title); `detail` carries a failure's message.
   */
  | {
      kind: 'lab';
      lab: string;
      run: 'up' | 'down';
      step: string;
      index: number;
      total: number;
      state: 'start' | 'done' | 'failed';
      detail?: string;
    }
  | { kind: 'sel'; node: string; entry: Record<string, unknown> }
  /** A hypervisor behind a HypervisorSet went down or came back. */
  | { kind: 'hypervisor'; name: string; uri: string; up: boolean; reason?: string };

export type RackEventKind = RackEventBody['kind'];
export type RackEvent = RackEventBody & Envelope;
/** The event as a publisher hands it over (the bus stamps seq and time). */
export type RackEventInput = RackEventBody;
