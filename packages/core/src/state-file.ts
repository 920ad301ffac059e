/**
 * A small state file rewritten whole on every change (accounts, LEDs, port map, memory nodes): atomic,
 * coalesced, and loud when the disk says no.
 */
import { writeFileAtomic } from './atomic-write.js';
import { createLogger, type Logger } from './logging.js';

export interface StateFileOptions {
  path: string;
  /** File mode of a new file; 0o600 for secrets such as password hashes. Default 0o644. */
  mode?: number;
  /** Where a failed write is reported. Default: JSON lines on stderr. */
  logger?: Logger;
  /** What the file holds, for the log line ("redfish accounts"). */
  what?: string;
}

let fallback: Logger | undefined;

export class StateFile {
  readonly path: string;
  private render: (() => string | Uint8Array) | undefined;
  private dirty = false;
  private failed = false;
  private writing: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(private readonly opts: StateFileOptions) {
    this.path = opts.path;
    this.logger = opts.logger ?? (fallback ??= createLogger({ fd: 2, pretty: false }));
  }

  /**
   * Write `render()` soon. It is called when the write starts, so a burst of changes costs one write of the
   * latest state after the one in flight. A failed write is logged and retried on the next change.
   */
  save(render: () => string | Uint8Array): void {
    this.render = render;
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** True while the last write failed and no later one succeeded. */
  get failing(): boolean {
    return this.failed;
  }

  /** Resolves when every change saved so far is on disk or its write failed (logged); a failed write is tried once more. */
  async flush(): Promise<void> {
    await this.writing;
    if (!this.failed || !this.render) return;
    this.dirty = true;
    this.writing ??= this.drain();
    await this.writing;
  }

  private async drain(): Promise<void> {
    // each pass consumes `dirty`; only a save() during the write sets it again
    while (this.dirty && this.render) {
      this.dirty = false;
      try {
        await writeFileAtomic(this.path, this.render(), this.opts.mode);
        if (this.failed) this.logger.info({ path: this.path, what: this.opts.what }, 'state file written again');
        this.failed = false;
      } catch (err) {
        this.failed = true;
        this.logger.error(
          { err, path: this.path, what: this.opts.what },
          `could not write ${this.opts.what ?? 'state'} to ${this.path}; retrying on the next change`,
        );
      }
    }
    this.writing = undefined;
  }
}
