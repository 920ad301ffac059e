import type { Logger, NodeDriver, NodeEvent, PowerAction, PowerState } from '@bmc-emu/core';
import { flagsDescribe } from './codec/boot-flags.js';
import type { BmcProtocolState } from './commands/context.js';

/**
 * System Boot Options parameter 3 ("BMC boot flag valid bit clearing"): a set bit means the BMC does
 * NOT clear the boot flag valid bit on that event (IPMI 2.0 table 28-14).
 */
export const KEEP_VALID_ON = {
  powerUp: 0x01,
  reset: 0x02,
  watchdog: 0x04,
  timeout: 0x08,
  pef: 0x10,
} as const;

export type ClearCause = 'timeout' | 'powerUp' | 'reset';

/** Chassis Control actions that boot the node: that boot reads (and for `Once`, consumes) the flags. */
const BOOTING: ReadonlySet<PowerAction> = new Set<PowerAction>(['On', 'PowerCycle', 'ForceRestart']);

/** A boot we started with Chassis Control is expected within this time; later boots count as external. */
const OWN_BOOT_WINDOW_MS = 30_000;

export interface BootValidBitOptions {
  driver: NodeDriver;
  nodeId: string;
  state: BmcProtocolState;
  /** The spec's 60 s (+/- 10%) automatic clear after the valid bit is set. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * When the BMC clears the boot flag valid bit (IPMI 2.0 section 28.12): `timeoutMs` after the flags are
 * written unless a Chassis Control command comes first (any Chassis Control restarts the countdown; one
 * that boots the node delivers the flags), and on any reset or power-up that no Chassis Control command
 * caused. Parameter 3 turns each of these off. Watchdog and PEF resets do not exist here, so their bits
 * are stored and read back only.
 *
 * The flags themselves live in the node's boot override (the driver): clearing the valid bit disables
 * the override, and only while the override is still the one IPMI wrote (a Redfish change wins).
 */
export class BootValidBit {
  private timer: NodeJS.Timeout | undefined;
  /** Deadlines of boots our own Chassis Control commands started and that have not happened yet. */
  private ownBoots: { until: number }[] = [];
  private seen: { power: PowerState; bootAt: string | undefined } | undefined;
  /** The node was seen off since its last boot: the next boot is a power-up, not a reset. */
  private offSinceBoot = false;

  constructor(private readonly opts: BootValidBitOptions) {}

  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Remember the node as it is now, so later power events can be told apart (power-up or reset). */
  seed(power: PowerState, bootAt: string | undefined): void {
    this.seen = { power, bootAt };
    this.offSinceBoot = power === 'Off';
  }

  /** Parameter 5 was written. */
  flagsWritten(): void {
    this.disarm();
    if (this.opts.state.lastBootFlags?.valid && !this.keeps('timeout')) this.arm();
  }

  /** Parameter 3 was written. */
  clearingWritten(): void {
    if (this.keeps('timeout')) this.disarm();
    else if (this.opts.state.lastBootFlags?.valid && !this.timer) this.arm();
  }

  /**
   * A Chassis Control command is about to reach the driver. Call the returned function with whether the
   * driver accepted it.
   */
  chassisControl(action: PowerAction): (ok: boolean) => void {
    if (this.timer) this.arm();
    if (!this.boots(action)) return () => undefined;
    const token = { until: Date.now() + OWN_BOOT_WINDOW_MS };
    this.ownBoots.push(token);
    return (ok) => {
      if (ok) this.disarm();
      else this.ownBoots = this.ownBoots.filter((t) => t !== token);
    };
  }

  /** A driver event about this node. */
  nodeEvent(e: NodeEvent): void {
    if (e.nodeId !== this.opts.nodeId || !e.node) return;
    const prev = this.seen;
    const now = { power: e.node.powerState, bootAt: e.node.lastBoot?.at };
    this.seen = now;
    if (!prev) return;
    if (now.power === 'Off') this.offSinceBoot = true;
    // A boot shows as a new lastBoot.at (millisecond timestamps: two boots within one ms look like one).
    const booted = now.bootAt !== undefined && now.bootAt !== prev.bootAt;
    const poweredDown = now.power === 'Off' && prev.power !== 'Off';
    // Spec, parameter 0: a reset or power-down while 'set in progress' returns it to 'set complete'.
    if (booted || poweredDown) this.opts.state.bootSetInProgress = 0;
    if (!booted) return;
    // Drivers may report the boot after the power state already reads On (libvirt records it once the
    // domain runs), so a power-up is told from a reset by whether the node was off since its last boot.
    const cause: ClearCause = this.offSinceBoot ? 'powerUp' : 'reset';
    this.offSinceBoot = false;
    const t = Date.now();
    this.ownBoots = this.ownBoots.filter((b) => b.until > t);
    if (this.ownBoots.length > 0) {
      this.ownBoots.shift();
      return;
    }
    if (!this.keeps(cause)) void this.clear(cause);
  }

  stop(): void {
    this.disarm();
  }

  /** Clear the valid bit now (when the flags IPMI wrote are still what the node holds). */
  async clear(cause: ClearCause): Promise<boolean> {
    this.disarm();
    const { driver, nodeId, state, logger } = this.opts;
    const flags = state.lastBootFlags;
    if (!flags?.valid) return false;
    try {
      const override = await driver.getBootOverride(nodeId);
      if (state.lastBootFlags !== flags || !flagsDescribe(flags, override)) return false;
      await driver.setBootOverride(nodeId, { enabled: 'Disabled' });
      if (state.lastBootFlags === flags) state.lastBootFlags = { ...flags, valid: false };
      logger.info({ node: nodeId, cause }, 'ipmi boot flag valid bit cleared');
      return true;
    } catch (err) {
      logger.warn({ err, node: nodeId, cause }, 'ipmi boot flag valid bit clear failed');
      return false;
    }
  }

  /** Whether this Chassis Control action will boot the node (power on of a node already on does not). */
  private boots(action: PowerAction): boolean {
    if (!BOOTING.has(action)) return false;
    return action !== 'On' || this.seen?.power !== 'On';
  }

  private keeps(cause: ClearCause): boolean {
    return (this.opts.state.bootValidBitClearing & KEEP_VALID_ON[cause]) !== 0;
  }

  private arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.clear('timeout');
    }, this.opts.timeoutMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
