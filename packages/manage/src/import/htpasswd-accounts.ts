import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '@bmc-emu/core';
import { type HtpasswdEntry, parseHtpasswd, verifyHtpasswd } from './htpasswd.js';

/**
 * sushy-tools' AUTH_FILE as live accounts: re-read when the file's mtime or size changes (so `htpasswd`
 * edits apply without a restart); a file that can't be read keeps the last good accounts.
 */
export class HtpasswdAccounts {
  private entries = new Map<string, HtpasswdEntry>();
  private fileStamp = '';
  /** sha256(user, password, hash) of recent successes: bcrypt costs tens of ms per Basic-auth request. */
  private readonly verified = new Set<string>();

  constructor(
    readonly path: string,
    private readonly logger?: Logger,
  ) {
    this.refresh();
  }

  users(): string[] {
    this.refresh();
    return [...this.entries.keys()];
  }

  verify(user: string, password: string): boolean {
    this.refresh();
    const entry = this.entries.get(user);
    if (!entry) return false;
    const key = createHash('sha256').update(`${user}\0${password}\0${entry.hash}`).digest('hex');
    if (this.verified.has(key)) return true;
    if (!verifyHtpasswd(entry, password)) return false;
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.add(key);
    return true;
  }

  /** A digest of the user's current entry (its sessions end when it changes), undefined once it is gone. */
  stamp(user: string): string | undefined {
    this.refresh();
    const entry = this.entries.get(user);
    return entry ? createHash('sha256').update(`${user}\0${entry.hash}`).digest('base64url') : undefined;
  }

  private refresh(): void {
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      if (this.fileStamp !== 'missing')
        this.logger?.warn({ err, path: this.path }, 'htpasswd file unreadable; keeping its last accounts');
      this.fileStamp = 'missing';
      return;
    }
    if (stamp === this.fileStamp) return;
    this.fileStamp = stamp;
    const parsed = parseHtpasswd(readFileSync(this.path, 'utf8'), this.path);
    for (const r of parsed.refused) this.logger?.warn({ path: this.path, ...r }, 'htpasswd entry refused');
    this.entries = new Map(parsed.entries.map((e) => [e.user, e]));
    this.verified.clear();
  }
}
