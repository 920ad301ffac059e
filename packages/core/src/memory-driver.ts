import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NodeDriver } from './driver.js';
import { errors } from './errors.js';
import type { Logger } from './logging.js';
import { createMemoryConsole } from './memory-console.js';
import {
  type BiosAttributes,
  BOOT_ENABLED,
  BOOT_MODES,
  BOOT_TARGETS,
  type BootOverride,
  cloneNode,
  MEDIA_SLOTS,
  type MediaSlot,
  type MediaSource,
  type Node,
  type NodeEvent,
  type NodeEventType,
  POWER_ACTIONS,
  type PowerAction,
  type SecureBoot,
} from './node.js';
import { KeyedQueue } from './op-queue.js';
import { checkMediaFile } from './media-path.js';
import { StateFile } from './state-file.js';

export const DEFAULT_BIOS: Readonly<BiosAttributes> = Object.freeze({
  BootMode: 'Uefi',
  ProcTurboMode: 'Enabled',
  ProcVirtualization: 'Enabled',
  SriovGlobalEnable: 'Disabled',
  EmbeddedSata: 'Ahci',
  NicBoot1: 'NetworkBoot',
  L2Cache: '10x256 KB',
});

export interface MemoryDriverOptions {
  nodes?: Node[];
  /** How long PoweringOn/PoweringOff lasts before the state settles (ms). */
  transitionMs?: number;
  /** Where streamed media are written. */
  mediaDir?: string;
  /** When set, node state is kept in this JSON file (written atomically) and reloaded on start. */
  stateFile?: string;
  /** Label for `Node.source`. */
  source?: string;
  /** Where a failed state-file write is reported. */
  logger?: Logger;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  const v = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return v;
}

/** A node with sane defaults; the fields given win. */
export function makeNode(partial: Partial<Node> & { name: string }): Node {
  const id = partial.id ?? uuidFrom(`bmc-emu:${partial.name}`);
  const macTail = id.replace(/-/g, '').slice(0, 6).match(/../g)!.join(':');
  return {
    id,
    powerState: 'Off',
    boot: { target: 'None', enabled: 'Disabled', mode: 'UEFI' },
    media: MEDIA_SLOTS.map((slot) => ({ slot, inserted: false, writeProtected: slot === 'Cd' })),
    nics: [{ mac: `52:54:00:${macTail}`, linkUp: true, model: 'virtio' }],
    cpu: { count: 2, arch: 'x86_64', model: 'qemu64' },
    memoryMiB: 4096,
    disks: [{ target: 'vda', bus: 'virtio', device: 'disk', sizeBytes: 20 * 1024 ** 3 }],
    firmware: 'uefi',
    secureBoot: { enabled: false, currentBoot: false },
    bios: { attributes: { ...DEFAULT_BIOS }, pending: {} },
    manufacturer: 'bmc-emu',
    model: 'Virtual Machine',
    serialNumber: id.slice(0, 8).toUpperCase(),
    source: 'memory',
    ...partial,
  };
}

/** `count` demo nodes with stable UUIDs and MACs, so URLs survive restarts. */
export function demoNodes(count: number): Node[] {
  return Array.from({ length: count }, (_, i) => {
    const tail = (i + 1).toString(16).padStart(4, '0');
    return makeNode({
      name: `node-${i}`,
      id: uuidFrom(`bmc-emu-demo-node-${i}`),
      nics: [{ mac: `52:54:00:00:${tail.slice(0, 2)}:${tail.slice(2)}`, linkUp: true, model: 'virtio' }],
    });
  });
}

/**
 * An in-process driver with the same behaviour as the libvirt one: the embedded default of
 * `bmc-emu serve` and the test double of every front end.
 */
export class MemoryDriver implements NodeDriver {
  readonly name = 'memory';
  private readonly nodes = new Map<string, Node>();
  private readonly emitter = new EventEmitter();
  private readonly queue = new KeyedQueue();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly transitionMs: number;
  private readonly mediaDir: string;
  private readonly stateFile: string | undefined;
  private readonly state: StateFile | undefined;
  private closed = false;

  constructor(opts: MemoryDriverOptions = {}) {
    this.transitionMs = opts.transitionMs ?? 100;
    this.mediaDir = opts.mediaDir ?? join(tmpdir(), 'bmc-emu-media');
    this.stateFile = opts.stateFile;
    this.state = opts.stateFile
      ? new StateFile({
          path: opts.stateFile,
          what: 'memory driver nodes',
          ...(opts.logger ? { logger: opts.logger } : {}),
        })
      : undefined;
    for (const n of opts.nodes ?? []) this.nodes.set(n.id, cloneNode({ ...n, source: opts.source ?? n.source }));
    this.emitter.setMaxListeners(0);
  }

  /** Load persisted state (if a stateFile was given and exists); nodes there replace same-id nodes. */
  async load(): Promise<void> {
    if (!this.stateFile) return;
    let text: string;
    try {
      text = await readFile(this.stateFile, 'utf8');
    } catch {
      return;
    }
    const saved = JSON.parse(text) as { nodes: Node[] };
    for (const n of saved.nodes) {
      if (n.powerState === 'PoweringOn') n.powerState = 'On';
      if (n.powerState === 'PoweringOff') n.powerState = 'Off';
      this.nodes.set(n.id, n);
    }
  }

  async list(): Promise<Node[]> {
    this.assertOpen();
    return [...this.nodes.values()].map(cloneNode);
  }

  async get(id: string): Promise<Node> {
    return cloneNode(this.find(id));
  }

  watch(listener: (event: NodeEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  addNode(node: Node): Node {
    if (this.nodes.has(node.id)) throw errors.conflict(`A node with id ${node.id} exists already.`, { id: node.id });
    if ([...this.nodes.values()].some((n) => n.name === node.name)) {
      throw errors.conflict(`A node named "${node.name}" exists already.`, { name: node.name });
    }
    this.nodes.set(node.id, cloneNode(node));
    this.changed('added', node.id);
    return cloneNode(node);
  }

  removeNode(id: string): void {
    const node = this.find(id);
    this.nodes.delete(node.id);
    this.emit({ type: 'removed', nodeId: node.id });
    this.persist();
  }

  async power(id: string, action: PowerAction): Promise<void> {
    if (!POWER_ACTIONS.includes(action)) {
      return Promise.reject(errors.invalidArgument(`Unknown power action "${action}".`, { allowed: POWER_ACTIONS }));
    }
    const node = this.find(id);
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      const settledOn = n.powerState === 'On' || n.powerState === 'PoweringOn';
      switch (action) {
        case 'On':
          if (!settledOn) this.transition(n, 'PoweringOn', 'On', true);
          return;
        case 'ForceOff':
          if (n.powerState !== 'Off') this.transition(n, 'PoweringOff', 'Off', false);
          return;
        case 'GracefulShutdown':
          if (n.powerState !== 'Off') this.transition(n, 'PoweringOff', 'Off', false);
          return;
        case 'ForceRestart':
        case 'GracefulRestart':
        case 'PowerCycle':
          if (!settledOn) {
            throw errors.conflict(`Node ${n.name} is powered off; ${action} needs it on. Power it on instead.`, {
              id: n.id,
              powerState: n.powerState,
            });
          }
          this.bootNow(n);
          this.changed('power', n.id);
          return;
        case 'Nmi':
          if (!settledOn) {
            throw errors.conflict(`Node ${n.name} is powered off; an NMI needs it on.`, { id: n.id });
          }
          return;
      }
    });
  }

  async getBootOverride(id: string): Promise<BootOverride> {
    return { ...this.find(id).boot };
  }

  async setBootOverride(id: string, patch: Partial<BootOverride>): Promise<BootOverride> {
    const node = this.find(id);
    if (patch.target !== undefined && !BOOT_TARGETS.includes(patch.target)) {
      return Promise.reject(
        errors.invalidArgument(`Unknown boot target "${patch.target}".`, { allowed: BOOT_TARGETS }),
      );
    }
    if (patch.enabled !== undefined && !BOOT_ENABLED.includes(patch.enabled)) {
      return Promise.reject(
        errors.invalidArgument(`Unknown boot override mode "${patch.enabled}".`, { allowed: BOOT_ENABLED }),
      );
    }
    if (patch.mode !== undefined && !BOOT_MODES.includes(patch.mode)) {
      return Promise.reject(errors.invalidArgument(`Unknown boot mode "${patch.mode}".`, { allowed: BOOT_MODES }));
    }
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      n.boot = { ...n.boot, ...patch };
      if (patch.mode) n.firmware = patch.mode === 'UEFI' ? 'uefi' : 'bios';
      if (n.firmware === 'bios') n.secureBoot.enabled = false;
      if (patch.target === 'None' && patch.enabled === undefined) n.boot.enabled = 'Disabled';
      this.changed('boot', n.id);
      return { ...n.boot };
    });
  }

  async insertMedia(id: string, slot: MediaSlot, source: MediaSource): Promise<void> {
    const node = this.find(id);
    if (!MEDIA_SLOTS.includes(slot)) return Promise.reject(errors.invalidArgument(`Unknown media slot "${slot}".`));
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      const m = n.media.find((x) => x.slot === slot);
      if (!m) throw errors.unsupported(`Node ${n.name} has no ${slot} slot.`);
      if (m.inserted) throw errors.conflict(`The ${slot} slot of ${n.name} holds ${m.image}; eject it first.`);
      let path: string;
      if (source.kind === 'path') {
        await checkMediaFile(source.path);
        path = source.path;
      } else {
        await mkdir(this.mediaDir, { recursive: true });
        path = join(this.mediaDir, `${n.id}-${slot}-${Date.now()}-${source.fileName ?? 'image.iso'}`);
        await pipeline(source.stream, createWriteStream(path));
      }
      Object.assign(m, { inserted: true, path, image: source.image ?? path });
      this.changed('media', n.id);
    });
  }

  async ejectMedia(id: string, slot: MediaSlot): Promise<void> {
    const node = this.find(id);
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      const m = n.media.find((x) => x.slot === slot);
      if (!m) throw errors.unsupported(`Node ${n.name} has no ${slot} slot.`);
      if (!m.inserted) return;
      m.inserted = false;
      delete m.image;
      delete m.path;
      this.changed('media', n.id);
    });
  }

  async getBios(id: string): Promise<{ attributes: BiosAttributes; pending: BiosAttributes }> {
    const n = this.find(id);
    return { attributes: { ...n.bios.attributes }, pending: { ...n.bios.pending } };
  }

  async setBiosPending(id: string, attributes: BiosAttributes): Promise<void> {
    const node = this.find(id);
    const unknown = Object.keys(attributes).filter((k) => !(k in node.bios.attributes));
    if (unknown.length) {
      return Promise.reject(errors.invalidArgument(`Unknown BIOS attribute(s): ${unknown.join(', ')}.`, { unknown }));
    }
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      n.bios.pending = { ...n.bios.pending, ...attributes };
      this.changed('bios', n.id);
    });
  }

  async resetBios(id: string): Promise<void> {
    const node = this.find(id);
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      n.bios.pending = { ...DEFAULT_BIOS };
      this.changed('bios', n.id);
    });
  }

  async getSecureBoot(id: string): Promise<SecureBoot> {
    return { ...this.find(id).secureBoot };
  }

  async setSecureBoot(id: string, enabled: boolean): Promise<SecureBoot> {
    const node = this.find(id);
    return this.queue.run(node.id, async () => {
      const n = this.find(node.id);
      if (enabled && n.firmware !== 'uefi') {
        throw errors.conflict(`Secure boot needs UEFI firmware; ${n.name} boots Legacy. Set boot mode UEFI first.`);
      }
      n.secureBoot.enabled = enabled;
      this.changed('secureBoot', n.id);
      return { ...n.secureBoot };
    });
  }

  async openConsole(id: string): Promise<Duplex> {
    return createMemoryConsole(this.find(id).name);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.flush();
    this.emitter.removeAllListeners();
  }

  private transition(n: Node, via: 'PoweringOn' | 'PoweringOff', to: 'On' | 'Off', boots: boolean): void {
    n.powerState = via;
    this.changed('power', n.id);
    const settle = () => {
      const cur = this.nodes.get(n.id);
      if (!cur || cur.powerState !== via) return;
      cur.powerState = to;
      if (boots) this.bootNow(cur);
      this.changed('power', cur.id);
    };
    if (this.transitionMs <= 0) {
      settle();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      settle();
    }, this.transitionMs);
    this.timers.add(t);
  }

  /** What real firmware does at boot: apply pending BIOS, record the boot source, consume Once. */
  private bootNow(n: Node): void {
    if (Object.keys(n.bios.pending).length) {
      n.bios.attributes = { ...n.bios.attributes, ...n.bios.pending };
      n.bios.pending = {};
    }
    n.secureBoot.currentBoot = n.firmware === 'uefi' && n.secureBoot.enabled;
    const target = n.boot.enabled === 'Disabled' ? 'Hdd' : n.boot.target === 'None' ? 'Hdd' : n.boot.target;
    // Two boots in the same millisecond would look like one to anything comparing boot times.
    const previous = n.lastBoot ? Date.parse(n.lastBoot.at) : 0;
    const at = Math.max(Date.now(), Number.isNaN(previous) ? 0 : previous + 1);
    n.lastBoot = { target, mode: n.boot.mode, at: new Date(at).toISOString() };
    if (n.boot.enabled === 'Once') n.boot = { ...n.boot, enabled: 'Disabled', target: 'None' };
  }

  private find(id: string): Node {
    this.assertOpen();
    const byId = this.nodes.get(id);
    if (byId) return byId;
    for (const n of this.nodes.values()) if (n.name === id) return n;
    throw errors.nodeNotFound(id);
  }

  private assertOpen(): void {
    if (this.closed) throw errors.driverUnavailable('memory', 'the driver was closed');
  }

  private changed(type: NodeEventType, id: string): void {
    const node = this.nodes.get(id);
    this.emit({ type, nodeId: id, ...(node ? { node: cloneNode(node) } : {}) });
    this.persist();
  }

  private emit(event: NodeEvent): void {
    this.emitter.emit('event', event);
  }

  /** Resolves when every change so far is in the state file (or its write failed and was logged). */
  async flush(): Promise<void> {
    await this.state?.flush();
  }

  private persist(): void {
    this.state?.save(() => JSON.stringify({ nodes: [...this.nodes.values()] }, null, 2));
  }
}
