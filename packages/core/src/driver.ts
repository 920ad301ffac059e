import type { Duplex } from 'node:stream';
import { errors } from './errors.js';
import type {
  BiosAttributes,
  BootOverride,
  MediaSlot,
  MediaSource,
  Node,
  NodeEvent,
  PowerAction,
  SecureBoot,
} from './node.js';

/**
 * The one interface every front end speaks to. Every method is async and fails with a BmcEmuError
 * (BMCEMU_NODE_NOT_FOUND, BMCEMU_DRIVER_UNAVAILABLE, BMCEMU_CONFLICT, BMCEMU_INVALID_ARGUMENT, ...).
 * `id` may be a node's UUID or its name.
 */
export interface NodeDriver {
  readonly name: string;
  list(): Promise<Node[]>;
  get(id: string): Promise<Node>;
  /** Subscribe to node changes; returns the unsubscribe function. */
  watch(listener: (event: NodeEvent) => void): () => void;

  /**
   * Start a power action. Resolves once the action is accepted and under way; `get` shows
   * PoweringOn/PoweringOff until it settles. Use `waitForPower` to wait for the end state.
   */
  power(id: string, action: PowerAction): Promise<void>;

  getBootOverride(id: string): Promise<BootOverride>;
  /** Merge the given fields into the override. A `Once` override is consumed by the next boot. */
  setBootOverride(id: string, override: Partial<BootOverride>): Promise<BootOverride>;

  insertMedia(id: string, slot: MediaSlot, source: MediaSource, opts?: MediaInsertOptions): Promise<void>;
  ejectMedia(id: string, slot: MediaSlot): Promise<void>;
  /**
   * Whether inserting media on this node copies the image to the node's host first (a remote libvirt
   * hypervisor), so that a caller can show that copy as part of the insert. Absent: never.
   */
  uploadsMedia?(id: string): Promise<boolean>;

  getBios(id: string): Promise<{ attributes: BiosAttributes; pending: BiosAttributes }>;
  /** Stage BIOS settings; they apply at the next power-on or reset, as on real hardware. */
  setBiosPending(id: string, attributes: BiosAttributes): Promise<void>;
  /** Stage a reset of every attribute to its default (applies at the next power-on or reset). */
  resetBios(id: string): Promise<void>;

  getSecureBoot(id: string): Promise<SecureBoot>;
  setSecureBoot(id: string, enabled: boolean): Promise<SecureBoot>;

  /** A byte stream to and from the node's serial console, when the driver has one. */
  openConsole?(id: string): Promise<Duplex>;

  /** The hypervisors behind the driver and their health, when it aggregates several (HypervisorSet). */
  hypervisors?(): HypervisorStatus[];
  /**
   * CPU time (ns) the running node has used so far (libvirt: `virsh domstats --cpu-total`), when the
   * driver can tell; sensors turn its rate into CPU temperature, fan speed and power draw.
   */
  cpuTime?(id: string): Promise<number | undefined>;

  close(): Promise<void>;
}

export interface MediaInsertOptions {
  /** Progress of copying the image to the node's host (only drivers whose `uploadsMedia` says so call it). */
  onUpload?: (p: MediaUploadProgress) => void;
}

export interface MediaUploadProgress {
  /** The host the image is copied to, as messages name it. */
  host: string;
  /** Bytes on the host so far. */
  done: number;
  total: number;
}

export interface HypervisorStatus {
  name: string;
  /** What the driver connects to (a libvirt URI). */
  uri: string;
  up: boolean;
  /** Why it is down (the driver's message), while it is. */
  reason?: string;
  /** When it last went up or down (ISO time). */
  since: string;
  /** Nodes served from it. */
  nodes: number;
  /** UUIDs this hypervisor reports that another one serves (reported, never merged). */
  duplicates: { id: string; servedBy: string }[];
}

export const TERMINAL_POWER: Record<PowerAction, 'On' | 'Off'> = {
  On: 'On',
  ForceOff: 'Off',
  GracefulShutdown: 'Off',
  ForceRestart: 'On',
  GracefulRestart: 'On',
  PowerCycle: 'On',
  Nmi: 'On',
};

/** Poll `get` until the node's power state is `want` or the time runs out. */
export async function waitForPower(
  driver: NodeDriver,
  id: string,
  want: 'On' | 'Off',
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<Node> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = await driver.get(id);
    if (node.powerState === want) return node;
    if (Date.now() >= deadline) {
      throw errors.timeout(`node ${id} did not reach power state ${want} within ${timeoutMs} ms`, {
        id,
        want,
        last: node.powerState,
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
