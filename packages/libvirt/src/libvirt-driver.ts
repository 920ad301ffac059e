import { CpuTimeReader } from './cpu-time.js';
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type BiosAttributes,
  BOOT_ENABLED,
  BOOT_MODES,
  BOOT_TARGETS,
  type BootOverride,
  checkMediaFile,
  DEFAULT_BIOS,
  errors,
  KeyedQueue,
  type Logger,
  MEDIA_SLOTS,
  type MediaInsertOptions,
  type MediaSlot,
  type MediaSource,
  type Node,
  type NodeDriver,
  type NodeEvent,
  type NodeEventType,
  POWER_ACTIONS,
  type PowerAction,
  parseLibvirtUri,
  type PowerState,
  type SecureBoot,
  silentLogger,
} from '@bmc-emu/core';
import { applyBootTarget, captureBoot, LIBVIRT_BOOT_TARGETS, restoreBoot, setFirmware } from './boot-config.js';
import { type CacheListener, DomainCache, type DomainEntry } from './domain-cache.js';
import { bootMode, bootSignature, firstBootTarget, isQ35 } from './domain-facts.js';
import { addDisk, cdromElement, findDisk, freeTarget, removeDisk, usbStickElement } from './media-device.js';
import { type BmcState, readState, writeState } from './metadata.js';
import { nodeFromEntry } from './node-view.js';
import { mediaPlacement, type MediaPlacement, uploadsMedia } from './media-placement.js';
import { openPtyConsole } from './pty-console.js';
import { RemoteMediaStore } from './remote-media-store.js';
import { Virsh } from './virsh.js';
import { buildDomainXml, buildXml, type XmlEl } from './xml.js';

export interface LibvirtDriverOptions {
  /** libvirt URIs (qemu:///system, qemu+ssh://host/system, test:///default, ...); nodes of all are served. */
  uris: string[];
  /** Cache refresh when no libvirt event arrives (ms). */
  pollIntervalMs?: number;
  logger?: Logger;
  /** Where streamed media are written before they are attached. */
  mediaDir?: string;
  /** How long a GracefulShutdown shows PoweringOff before bmc-emu gives up on the guest (ms). */
  gracefulTimeoutMs?: number;
  /** Follow libvirt events (default: true except for test:/// URIs, whose state is per connection). */
  events?: boolean;
  virshTimeoutMs?: number;
  /** Where images go on a remote host (a storage pool they are uploaded into). */
  media?: Partial<MediaPlacement>;
  /** After an eject or a removed domain, unused uploaded volumes are collected this much later (ms). */
  mediaGcDelayMs?: number;
  /** And every this often in any case (ms). */
  mediaGcIntervalMs?: number;
}

interface Ctx {
  cache: DomainCache;
  virsh: Virsh;
  uuid: string;
  entry: DomainEntry;
}

const clone = <T>(v: T): T => structuredClone(v);

/** NodeDriver over libvirt, through `virsh` (every URI libvirt supports, several at once). */
export class LibvirtDriver implements NodeDriver {
  readonly name = 'libvirt';
  private readonly caches = new Map<string, DomainCache>();
  private readonly virshes = new Map<string, Virsh>();
  private readonly cpuTimes = new Map<string, CpuTimeReader>();
  private readonly remoteMedia = new Map<string, RemoteMediaStore>();
  private readonly gcTimers = new Map<string, NodeJS.Timeout>();
  private readonly gcRuns = new Map<string, Promise<void>>();
  private gcInterval: NodeJS.Timeout | undefined;
  private readonly gcDelayMs: number;
  private readonly queue = new KeyedQueue();
  private readonly emitter = new EventEmitter();
  private readonly transit = new Map<string, PowerState>();
  private readonly shutdownDeadline = new Map<string, number>();
  private readonly bootHandled = new Map<string, string>();
  private readonly logger: Logger;
  private readonly mediaDir: string;
  private readonly gracefulTimeoutMs: number;
  private closed = false;

  constructor(opts: LibvirtDriverOptions) {
    if (opts.uris.length === 0) throw errors.invalidArgument('The libvirt driver needs at least one URI.');
    this.logger = opts.logger ?? silentLogger();
    this.mediaDir = opts.mediaDir ?? join(tmpdir(), 'bmc-emu-media');
    this.gracefulTimeoutMs = opts.gracefulTimeoutMs ?? 120_000;
    this.gcDelayMs = opts.mediaGcDelayMs ?? 2_000;
    const placement = mediaPlacement(opts.media);
    this.emitter.setMaxListeners(0);
    const listener: CacheListener = {
      updated: (uri, uuid, prev, next) => this.onUpdated(uri, uuid, prev, next),
      availability: (uri, up, reason) => this.logger.debug({ uri, up, reason }, 'libvirt availability'),
    };
    for (const uri of new Set(opts.uris)) {
      const virsh = new Virsh({ uri, timeoutMs: opts.virshTimeoutMs });
      this.virshes.set(uri, virsh);
      this.caches.set(
        uri,
        new DomainCache({
          virsh,
          pollIntervalMs: opts.pollIntervalMs ?? 2_000,
          logger: this.logger.child({ uri }),
          listener,
          events: opts.events ?? !uri.startsWith('test:'),
        }),
      );
      if (uploadsMedia(uri, placement.upload)) {
        const cache = this.caches.get(uri)!;
        this.remoteMedia.set(
          uri,
          new RemoteMediaStore({
            virsh,
            placement,
            host: parseLibvirtUri(uri)?.host || uri,
            logger: this.logger.child({ uri }),
            inUse: () => {
              const known = cache.known();
              return known && diskPaths(known);
            },
          }),
        );
      }
    }
    if (this.remoteMedia.size > 0) {
      this.gcInterval = setInterval(() => {
        for (const uri of this.remoteMedia.keys()) this.scheduleGc(uri, 0);
      }, opts.mediaGcIntervalMs ?? 600_000);
      this.gcInterval.unref();
    }
  }

  /** The store of uploaded images for a remote URI (undefined for a host that reads local files). */
  mediaStore(uri: string): RemoteMediaStore | undefined {
    return this.remoteMedia.get(uri);
  }

  /** Load every URI once and start following events. Fails when no URI answers. */
  async start(): Promise<void> {
    const results = await Promise.allSettled([...this.caches.values()].map((c) => c.refreshAll()));
    for (const c of this.caches.values()) c.start();
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === results.length) throw failed[0]!.reason;
    for (const f of failed) this.logger.warn({ err: f.reason }, 'a libvirt URI is unreachable; retrying');
    // volumes left behind while bmc-emu was not running
    for (const uri of this.remoteMedia.keys()) this.scheduleGc(uri);
  }

  /** virsh processes spawned so far (every URI). */
  get virshCalls(): number {
    return [...this.virshes.values()].reduce((n, v) => n + v.spawned, 0);
  }

  async list(): Promise<Node[]> {
    this.assertOpen();
    const settled = await Promise.allSettled([...this.caches.values()].map((c) => c.all()));
    const ok = settled.filter((r): r is PromiseFulfilledResult<DomainEntry[]> => r.status === 'fulfilled');
    if (ok.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
    const nodes: Node[] = [];
    for (const [uri, cache] of this.caches) {
      if (!cache.up) continue;
      for (const e of await cache.all()) nodes.push(this.view(uri, e));
    }
    return nodes;
  }

  async get(id: string): Promise<Node> {
    const { cache, entry } = await this.resolve(id);
    return this.view(cache.uri, entry);
  }

  watch(listener: (event: NodeEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async power(id: string, action: PowerAction): Promise<void> {
    if (!POWER_ACTIONS.includes(action)) {
      throw errors.invalidArgument(`Unknown power action "${action}".`, { allowed: POWER_ACTIONS });
    }
    await this.withDomain(id, async (ctx) => {
      const running = ctx.entry.live.liveId !== undefined;
      const name = ctx.entry.live.name;
      const needsOn = () => {
        if (!running) {
          throw errors.conflict(`Node ${name} is powered off; ${action} needs it on. Power it on instead.`, {
            id: ctx.uuid,
            powerState: 'Off',
          });
        }
      };
      switch (action) {
        case 'On':
          this.shutdownDeadline.delete(ctx.uuid);
          if (!running) await this.transitioning(ctx.uuid, 'PoweringOn', () => this.boot(ctx, 'start'));
          return;
        case 'ForceOff':
          this.shutdownDeadline.delete(ctx.uuid);
          if (running) await this.transitioning(ctx.uuid, 'PoweringOff', () => ctx.virsh.run(['destroy', ctx.uuid]));
          return;
        case 'GracefulShutdown':
          if (!running) return;
          await ctx.virsh.run(['shutdown', ctx.uuid]);
          this.shutdownDeadline.set(ctx.uuid, Date.now() + this.gracefulTimeoutMs);
          this.emitPower(ctx.uuid);
          return;
        case 'ForceRestart': {
          needsOn();
          // a reset keeps the running configuration: when the next boot must differ, start afresh
          const pending = bootSignature(ctx.entry.live) !== bootSignature(ctx.entry.inactive);
          await this.transitioning(ctx.uuid, 'PoweringOn', () => this.boot(ctx, pending ? 'restart' : 'reset'));
          return;
        }
        case 'PowerCycle':
          needsOn();
          await this.transitioning(ctx.uuid, 'PoweringOn', () => this.boot(ctx, 'restart'));
          return;
        case 'GracefulRestart':
          needsOn();
          await ctx.virsh.run(['reboot', ctx.uuid]);
          return;
        case 'Nmi':
          needsOn();
          await ctx.virsh.run(['inject-nmi', ctx.uuid]);
          return;
      }
    });
  }

  async getBootOverride(id: string): Promise<BootOverride> {
    return { ...(await this.get(id)).boot };
  }

  async setBootOverride(id: string, patch: Partial<BootOverride>): Promise<BootOverride> {
    if (patch.target !== undefined && !BOOT_TARGETS.includes(patch.target)) {
      throw errors.invalidArgument(`Unknown boot target "${patch.target}".`, { allowed: BOOT_TARGETS });
    }
    if (patch.target !== undefined && !LIBVIRT_BOOT_TARGETS.includes(patch.target)) {
      throw errors.unsupported(`libvirt domains cannot boot from ${patch.target}.`, { allowed: LIBVIRT_BOOT_TARGETS });
    }
    if (patch.enabled !== undefined && !BOOT_ENABLED.includes(patch.enabled)) {
      throw errors.invalidArgument(`Unknown boot override mode "${patch.enabled}".`, { allowed: BOOT_ENABLED });
    }
    if (patch.mode !== undefined && !BOOT_MODES.includes(patch.mode)) {
      throw errors.invalidArgument(`Unknown boot mode "${patch.mode}".`, { allowed: BOOT_MODES });
    }
    return this.withDomain(id, async (ctx) => {
      const dom = clone(ctx.entry.inactiveDom);
      const state = readState(dom);
      const next = { ...state.boot, ...patch };
      delete (next as Partial<BootOverride>).mode;
      if (patch.target === 'None' && patch.enabled === undefined) next.enabled = 'Disabled';
      const saved = state.savedBoot ?? captureBoot(dom);
      restoreBoot(dom, saved);
      if (next.enabled !== 'Disabled' && next.target !== 'None') {
        applyBootTarget(dom, next.target, saved);
        state.savedBoot = saved;
      } else {
        delete state.savedBoot;
      }
      state.boot = next;
      if (patch.mode && patch.mode !== bootMode(ctx.entry.inactive)) {
        setFirmware(dom, patch.mode, false);
        state.resetNvram = true;
      }
      await this.save(ctx, dom, state);
      return { ...(await this.refreshed(ctx)).boot };
    });
  }

  async uploadsMedia(id: string): Promise<boolean> {
    const { cache } = await this.resolve(id);
    return this.remoteMedia.has(cache.uri);
  }

  async insertMedia(id: string, slot: MediaSlot, source: MediaSource, opts?: MediaInsertOptions): Promise<void> {
    if (!MEDIA_SLOTS.includes(slot)) throw errors.invalidArgument(`Unknown media slot "${slot}".`);
    if (slot === 'Floppy') throw errors.unsupported('libvirt nodes have no Floppy slot here; use Cd or UsbStick.');
    const { cache, entry: found } = await this.resolve(id);
    const store = this.remoteMedia.get(cache.uri);
    const holds = slot === 'Cd' ? found.live.cdroms[0] : found.live.usbSticks[0];
    if (store && holds?.source) {
      // before an upload that would be for nothing (insertPath checks again on a fresh read)
      throw errors.conflict(`The ${slot} slot of ${found.live.name} holds ${holds.source}; eject it first.`);
    }
    const local = await this.localMedia(id, slot, source);
    const placed = store ? await store.place(local, source.image, opts?.onUpload) : undefined;
    const path = placed?.path ?? local;
    try {
      await this.insertPath(id, slot, path, source);
    } finally {
      placed?.release();
    }
    // a failed insert leaves a volume no domain uses
    if (placed) this.scheduleGc(cache.uri);
  }

  private async insertPath(id: string, slot: MediaSlot, path: string, source: MediaSource): Promise<void> {
    await this.withDomain(id, async (ctx) => {
      const { live } = ctx.entry;
      const running = live.liveId !== undefined;
      const current = slot === 'Cd' ? live.cdroms[0] : live.usbSticks[0];
      if (current?.source) {
        throw errors.conflict(`The ${slot} slot of ${live.name} holds ${current.source}; eject it first.`);
      }
      const bus = isQ35(live.machine) ? 'sata' : 'ide';
      try {
        if (slot === 'Cd' && running) {
          if (!current) {
            throw errors.conflict(`${live.name} has no cdrom drive and one cannot be hot-plugged; power it off first.`);
          }
          await ctx.virsh.run(['change-media', ctx.uuid, current.target, path, '--insert', '--live', '--config']);
        } else if (slot === 'UsbStick' && running) {
          const disk = usbStickElement(freeTarget(ctx.entry.inactiveDom, 'sd'), path);
          await ctx.virsh.runWithXml(['attach-device', ctx.uuid, 'FILE', '--live', '--config'], deviceXml(disk));
        }
      } catch (err) {
        throw (err as { code?: string }).code === 'BMCEMU_INTERNAL'
          ? errors.media(`libvirt could not attach ${path}: ${(err as Error).message}`, { path }, err)
          : err;
      }
      if (running) await ctx.cache.refreshOne(ctx.uuid);
      const fresh = ctx.cache.peek(ctx.uuid) ?? ctx.entry;
      const dom = clone(fresh.inactiveDom);
      if (!running && slot === 'Cd') {
        const cd = fresh.inactive.cdroms[0];
        if (cd) {
          const disk = findDisk(dom, cd.target)!;
          disk.$ = { ...(disk.$ ?? {}), type: 'file' };
          disk.source = [{ $: { file: path } }];
        } else {
          addDisk(dom, cdromElement(freeTarget(dom, bus === 'sata' ? 'sd' : 'hd'), bus, path));
        }
      } else if (!running) {
        addDisk(dom, usbStickElement(freeTarget(dom, 'sd'), path));
      }
      const state = readState(dom);
      state.media[slot] = { image: source.image ?? path, path };
      await this.save(ctx, dom, state);
    });
  }

  async ejectMedia(id: string, slot: MediaSlot): Promise<void> {
    if (!MEDIA_SLOTS.includes(slot)) throw errors.invalidArgument(`Unknown media slot "${slot}".`);
    let ejectedOn: string | undefined;
    await this.withDomain(id, async (ctx) => {
      const { live } = ctx.entry;
      const running = live.liveId !== undefined;
      const current = slot === 'Cd' ? live.cdroms[0] : slot === 'UsbStick' ? live.usbSticks[0] : live.floppies[0];
      if (!current?.source) return;
      ejectedOn = ctx.cache.uri;
      if (running && slot === 'UsbStick') {
        const disk = findDisk(ctx.entry.inactiveDom, current.target) ?? usbStickElement(current.target, current.source);
        await ctx.virsh.runWithXml(['detach-device', ctx.uuid, 'FILE', '--live', '--config'], deviceXml(disk));
      } else if (running) {
        await ctx.virsh.run(['change-media', ctx.uuid, current.target, '--eject', '--live', '--config', '--force']);
      }
      if (running) await ctx.cache.refreshOne(ctx.uuid);
      const fresh = ctx.cache.peek(ctx.uuid) ?? ctx.entry;
      const dom = clone(fresh.inactiveDom);
      if (!running && slot === 'UsbStick') removeDisk(dom, current.target);
      else if (!running) {
        const disk = findDisk(dom, current.target);
        if (disk) delete disk.source;
      }
      const state = readState(dom);
      delete state.media[slot];
      await this.save(ctx, dom, state);
    });
    if (ejectedOn) this.scheduleGc(ejectedOn);
  }

  async getBios(id: string): Promise<{ attributes: BiosAttributes; pending: BiosAttributes }> {
    return clone((await this.get(id)).bios);
  }

  async setBiosPending(id: string, attributes: BiosAttributes): Promise<void> {
    await this.withDomain(id, async (ctx) => {
      const dom = clone(ctx.entry.inactiveDom);
      const state = readState(dom);
      const unknown = Object.keys(attributes).filter((k) => !(k in state.bios.attributes));
      if (unknown.length)
        throw errors.invalidArgument(`Unknown BIOS attribute(s): ${unknown.join(', ')}.`, { unknown });
      state.bios.pending = { ...state.bios.pending, ...attributes };
      await this.save(ctx, dom, state);
    });
  }

  async resetBios(id: string): Promise<void> {
    await this.withDomain(id, async (ctx) => {
      const dom = clone(ctx.entry.inactiveDom);
      const state = readState(dom);
      state.bios.pending = { ...DEFAULT_BIOS };
      await this.save(ctx, dom, state);
    });
  }

  async getSecureBoot(id: string): Promise<SecureBoot> {
    return { ...(await this.get(id)).secureBoot };
  }

  async setSecureBoot(id: string, enabled: boolean): Promise<SecureBoot> {
    return this.withDomain(id, async (ctx) => {
      const { inactive } = ctx.entry;
      if (enabled && inactive.firmware !== 'uefi') {
        throw errors.conflict(
          `Secure boot needs UEFI firmware; ${inactive.name} boots Legacy. Set boot mode UEFI first.`,
        );
      }
      if (inactive.secureBoot !== enabled) {
        const dom = clone(ctx.entry.inactiveDom);
        setFirmware(dom, 'UEFI', enabled);
        const state = readState(dom);
        state.resetNvram = true;
        await this.save(ctx, dom, state);
      }
      return { ...(await this.refreshed(ctx)).secureBoot };
    });
  }

  async openConsole(id: string): Promise<Duplex> {
    const { entry } = await this.resolve(id);
    const pty = entry.live.serialPty;
    if (entry.live.liveId === undefined || !pty) {
      throw errors.conflict(`Node ${entry.live.name} has no serial console now (powered off, or no pty serial).`);
    }
    return openPtyConsole(pty);
  }

  async cpuTime(id: string): Promise<number | undefined> {
    const { cache, entry } = await this.resolve(id);
    if (entry.live.liveId === undefined) return undefined;
    let reader = this.cpuTimes.get(cache.uri);
    if (!reader) {
      const virsh = this.virshes.get(cache.uri)!;
      reader = new CpuTimeReader(() => virsh.run(['domstats', '--cpu-total', '--list-running']));
      this.cpuTimes.set(cache.uri, reader);
    }
    return reader.of(entry.live.name);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.gcInterval);
    for (const t of this.gcTimers.values()) clearTimeout(t);
    this.gcTimers.clear();
    await Promise.allSettled(this.gcRuns.values());
    await Promise.all([...this.caches.values()].map((c) => c.close()));
    this.emitter.removeAllListeners();
  }

  // --- internals -------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw errors.driverUnavailable('libvirt', 'the driver was closed');
  }

  private async resolve(id: string): Promise<{ cache: DomainCache; entry: DomainEntry }> {
    this.assertOpen();
    let unavailable: unknown;
    for (const cache of this.caches.values()) {
      try {
        const entry = await cache.find(id);
        if (entry) return { cache, entry };
      } catch (err) {
        unavailable ??= err;
      }
    }
    throw unavailable ?? errors.nodeNotFound(id);
  }

  /** Run `fn` in the domain's queue on a fresh read of the domain; re-read after it (never assume). */
  private async withDomain<T>(id: string, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
    const { cache, entry: found } = await this.resolve(id);
    const uuid = found.live.uuid;
    const virsh = this.virshes.get(cache.uri)!;
    return this.queue.run(uuid, async () => {
      await cache.refreshOne(uuid);
      const entry = cache.peek(uuid);
      if (!entry) throw errors.nodeNotFound(id);
      try {
        return await fn({ cache, virsh, uuid, entry });
      } finally {
        await cache.refreshOne(uuid).catch(() => undefined);
      }
    });
  }

  private async refreshed(ctx: Ctx): Promise<Node> {
    await ctx.cache.refreshOne(ctx.uuid);
    const entry = ctx.cache.peek(ctx.uuid);
    if (!entry) throw errors.nodeNotFound(ctx.uuid);
    return this.view(ctx.cache.uri, entry);
  }

  private view(uri: string, entry: DomainEntry): Node {
    const uuid = entry.live.uuid;
    let transit = this.transit.get(uuid);
    const deadline = this.shutdownDeadline.get(uuid);
    if (!transit && deadline !== undefined && entry.live.liveId !== undefined && Date.now() < deadline) {
      transit = 'PoweringOff';
    }
    return nodeFromEntry(uri, entry, transit);
  }

  /** Persist the domain's XML (with the bmc-emu metadata) as its new persistent definition. */
  private async save(ctx: Ctx, dom: XmlEl, state: BmcState): Promise<void> {
    writeState(dom, state);
    await ctx.virsh.runWithXml(['define', 'FILE'], buildDomainXml(dom));
  }

  private async transitioning(uuid: string, via: PowerState, op: () => Promise<unknown>): Promise<void> {
    this.transit.set(uuid, via);
    this.emitPower(uuid);
    try {
      await op();
    } finally {
      this.transit.delete(uuid);
    }
  }

  /** Start, reset or destroy+start the domain, then do what firmware does at boot. */
  private async boot(ctx: Ctx, how: 'start' | 'reset' | 'restart'): Promise<void> {
    const state = ctx.entry.inactive.state;
    const startArgs = ['start', ctx.uuid];
    if (state.resetNvram && ctx.entry.inactive.firmware === 'uefi') startArgs.push('--reset-nvram');
    if (how === 'reset') await ctx.virsh.run(['reset', ctx.uuid]);
    else {
      if (how === 'restart') await ctx.virsh.run(['destroy', ctx.uuid]);
      await ctx.virsh.run(startArgs);
    }
    await this.booted(ctx);
  }

  /**
   * After a boot: record what it booted from (from the live XML), apply staged BIOS settings, and
   * consume a Once override by putting the persistent boot configuration back.
   */
  private async booted(ctx: Ctx): Promise<void> {
    await ctx.cache.refreshOne(ctx.uuid);
    const entry = ctx.cache.peek(ctx.uuid);
    if (!entry || entry.live.liveId === undefined) return;
    const dom = clone(entry.inactiveDom);
    const state = readState(dom);
    state.lastBoot = {
      target: firstBootTarget(entry.live),
      mode: bootMode(entry.live),
      at: new Date().toISOString(),
      secure: entry.live.secureBoot,
    };
    if (Object.keys(state.bios.pending).length) {
      state.bios.attributes = { ...state.bios.attributes, ...state.bios.pending };
      state.bios.pending = {};
    }
    if (state.boot.enabled === 'Once') {
      if (state.savedBoot) restoreBoot(dom, state.savedBoot);
      delete state.savedBoot;
      state.boot = { target: 'None', enabled: 'Disabled' };
    }
    delete state.resetNvram;
    await this.save({ ...ctx, entry }, dom, state);
    this.bootHandled.set(ctx.uuid, entry.live.liveId);
  }

  private onUpdated(uri: string, uuid: string, prev: DomainEntry | undefined, next: DomainEntry | undefined): void {
    if (next && next.live.liveId === undefined) this.shutdownDeadline.delete(uuid);
    const started = prev && next?.live.liveId !== undefined && prev.live.liveId !== next.live.liveId;
    if (started) this.adoptExternalBoot(uri, uuid, next!.live.liveId!);
    if (!next) {
      this.emitter.emit('event', { type: 'removed', nodeId: uuid } satisfies NodeEvent);
      if (this.remoteMedia.has(uri)) this.scheduleGc(uri);
      return;
    }
    const after = this.view(uri, next);
    if (!prev) {
      this.emit('added', after);
      return;
    }
    const before = this.view(uri, prev);
    const type = changeType(before, after);
    if (type) this.emit(type, after);
  }

  /** Someone else started the domain (virsh start, autostart): still consume Once and apply BIOS. */
  private adoptExternalBoot(uri: string, uuid: string, liveId: string): void {
    const cache = this.caches.get(uri)!;
    const virsh = this.virshes.get(uri)!;
    this.queue
      .run(uuid, async () => {
        const entry = cache.peek(uuid);
        if (!entry || entry.live.liveId !== liveId || this.bootHandled.get(uuid) === liveId) return;
        await this.booted({ cache, virsh, uuid, entry });
      })
      .catch((err) => this.logger.warn({ err, uuid }, 'could not record an external boot'));
  }

  /**
   * Collect the unused uploaded volumes of a remote host soon (debounced; one pass at a time per host,
   * a pass bounded by the store's maxDeletesPerPass; a request during a pass runs one more pass after it).
   */
  private scheduleGc(uri: string, delayMs = this.gcDelayMs): void {
    const store = this.remoteMedia.get(uri);
    if (!store || this.closed || this.gcTimers.has(uri)) return;
    const timer = setTimeout(() => {
      this.gcTimers.delete(uri);
      const prev = this.gcRuns.get(uri) ?? Promise.resolve();
      const run = prev
        .then(() => (this.closed ? [] : store.collect()))
        .then(
          () => undefined,
          (err: unknown) => this.logger.warn({ err, uri }, 'media: collecting unused volumes failed'),
        )
        .finally(() => {
          if (this.gcRuns.get(uri) === run) this.gcRuns.delete(uri);
        });
      this.gcRuns.set(uri, run);
    }, delayMs);
    timer.unref();
    this.gcTimers.set(uri, timer);
  }

  private emitPower(uuid: string): void {
    for (const [uri, cache] of this.caches) {
      const entry = cache.peek(uuid);
      if (entry) this.emit('power', this.view(uri, entry));
    }
  }

  private emit(type: NodeEventType, node: Node): void {
    this.emitter.emit('event', { type, nodeId: node.id, node } satisfies NodeEvent);
  }

  /** A file path libvirt can attach: the given path (checked) or the stream written to mediaDir. */
  private async localMedia(id: string, slot: MediaSlot, source: MediaSource): Promise<string> {
    if (source.kind === 'path') {
      await checkMediaFile(source.path);
      return source.path;
    }
    await mkdir(this.mediaDir, { recursive: true });
    const safeId = id.replace(/[^\w.-]/g, '_');
    const path = join(this.mediaDir, `${safeId}-${slot}-${Date.now()}-${source.fileName ?? 'image.iso'}`);
    try {
      await pipeline(source.stream, createWriteStream(path));
    } catch (err) {
      throw errors.media(`Could not store the streamed image: ${(err as Error).message}.`, { path }, err);
    }
    return path;
  }
}

function changeType(a: Node, b: Node): NodeEventType | undefined {
  if (a.powerState !== b.powerState) return 'power';
  if (JSON.stringify(a.boot) !== JSON.stringify(b.boot)) return 'boot';
  if (JSON.stringify(a.media) !== JSON.stringify(b.media)) return 'media';
  if (JSON.stringify(a.bios) !== JSON.stringify(b.bios)) return 'bios';
  if (JSON.stringify(a.secureBoot) !== JSON.stringify(b.secureBoot)) return 'secureBoot';
  return JSON.stringify(a) === JSON.stringify(b) ? undefined : 'changed';
}

/** Every disk source of every domain (live and persistent definitions). */
function diskPaths(entries: Iterable<DomainEntry>): Set<string> {
  const paths = new Set<string>();
  for (const e of entries) {
    for (const d of [...e.live.disks, ...e.inactive.disks]) if (d.path) paths.add(d.path);
  }
  return paths;
}

function deviceXml(disk: XmlEl): string {
  return buildXml(disk, 'disk');
}
