/** Redfish sessions: X-Auth-Token -> session, expiring after an idle timeout. */
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * What granted a session, checked again on every use: an account of the store (by accountId), an htpasswd
 * entry (ends when the entry's stamp changes), or a registered BMC's own account (ends when no active BMC
 * has those credentials any more).
 */
export type SessionOrigin = { kind: 'local' } | { kind: 'htpasswd'; stamp: string } | { kind: 'bmc' };

export interface Session {
  id: string;
  token: string;
  accountId: string;
  userName: string;
  origin: SessionOrigin;
  created: Date;
  lastUsed: number;
}

/** Oldest sessions are dropped beyond this many (a client that never logs out cannot exhaust memory). */
export const MAX_SESSIONS = 1000;

export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();

  constructor(private readonly timeoutMs: number) {}

  get timeoutSec(): number {
    return Math.round(this.timeoutMs / 1000);
  }

  create(accountId: string, userName: string, origin: SessionOrigin = { kind: 'local' }): Session {
    const s: Session = {
      id: randomUUID(),
      // 256 random bits as hex: what the DMTF validator's randomness check (RESP_HEADERS_X_AUTH_TOKEN) reads.
      token: randomBytes(32).toString('hex'),
      accountId,
      userName,
      origin,
      created: new Date(),
      lastUsed: Date.now(),
    };
    this.byToken.set(s.token, s);
    this.byId.set(s.id, s);
    if (this.byId.size > MAX_SESSIONS) {
      this.sweep();
      let oldest: Session | undefined;
      for (const x of this.byId.values()) if (!oldest || x.lastUsed < oldest.lastUsed) oldest = x;
      if (this.byId.size > MAX_SESSIONS && oldest) this.remove(oldest.id);
    }
    return s;
  }

  /** The live session for a token (touching it), or undefined when unknown or expired. */
  touch(token: string): Session | undefined {
    const s = this.byToken.get(token);
    if (!s) return undefined;
    if (Date.now() - s.lastUsed > this.timeoutMs) {
      this.remove(s.id);
      return undefined;
    }
    s.lastUsed = Date.now();
    return s;
  }

  get(id: string): Session | undefined {
    this.sweep();
    return this.byId.get(id);
  }

  list(): Session[] {
    this.sweep();
    return [...this.byId.values()];
  }

  remove(id: string): boolean {
    const s = this.byId.get(id);
    if (!s) return false;
    this.byId.delete(id);
    this.byToken.delete(s.token);
    return true;
  }

  removeForAccount(accountId: string): void {
    this.removeWhere((s) => s.accountId === accountId);
  }

  /** Ends every session `gone` says no longer stands (its account changed or went). */
  removeWhere(gone: (s: Session) => boolean): void {
    for (const s of [...this.byId.values()]) if (gone(s)) this.remove(s.id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.byId.values()]) if (now - s.lastUsed > this.timeoutMs) this.remove(s.id);
  }
}
